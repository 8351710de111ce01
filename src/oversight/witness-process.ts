/**
 * Starts `acd witness serve` as a child process (its own process, key and data folder) and waits for
 * its ready line: what `acd demo` does to run the commission's witness beside the server. The child
 * exits when its standard input closes, so it never outlives the process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { auditError } from './errors.js';

export interface WitnessProcess {
  url: string;
  vkey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnWitnessProcess(o: { dataDir: string; logVkey: string; name?: string; listen?: string; timeoutMs?: number }): Promise<WitnessProcess> {
  // the light entry (witness-main), as source under tsx or built under dist/
  const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './witness-main.ts' : './witness-main.js', import.meta.url));
  const args = [...process.execArgv, entry, '--data', o.dataDir, '--log-key', o.logVkey, '--listen', o.listen ?? '127.0.0.1:0', '--exit-with-parent', '--log-level', 'warn'];
  if (o.name) args.push('--name', o.name);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await new Promise<{ url: string; vkey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(auditError('AUDIT_WITNESS_FAILED', 'the witness did not start within the time allowed')), o.timeoutMs ?? 120_000);
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(l) as { url: string; vkey: string });
      } catch {
        reject(auditError('AUDIT_WITNESS_FAILED', `the witness said ${l.slice(0, 200)}`));
      }
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(auditError('AUDIT_WITNESS_FAILED', `the witness exited with ${String(c)}`));
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    ...ready,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
