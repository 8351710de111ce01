// The dashboard's build: `npm run build:web` (vite build web) writes web/dist, which `acd serve` and
// `acd demo` serve. No external fonts, CDNs or runtime fetches: the machine may be offline.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // echarts is large; it is split into its own chunk so the app's own code stays small
    chunkSizeWarningLimit: 1200,
    rollupOptions: { output: { manualChunks: (id: string) => (/node_modules\/(echarts|zrender)\//.test(id) ? 'charts' : undefined) } },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
