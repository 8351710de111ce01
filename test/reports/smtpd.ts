/** A real SMTP server for tests: Python's smtpd (python3 <= 3.11), printing envelope and message. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

export const hasSmtpd = spawnSync('python3', ['-W', 'ignore', '-c', 'import smtpd'], { stdio: 'ignore' }).status === 0;

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function startSmtpd(): Promise<{ port: number; child: ChildProcess; out: () => string }> {
  const port = await freePort();
  const script = [
    'import smtpd, asyncore, sys',
    'class S(smtpd.SMTPServer):',
    '    def process_message(self, peer, mailfrom, rcpttos, data, **kw):',
    "        print('MAILFROM ' + mailfrom)",
    "        print('RCPTTOS ' + ','.join(rcpttos))",
    "        print(data.decode('utf-8'))",
    "        print('END MESSAGE', flush=True)",
    `S(('127.0.0.1', ${port}), None, decode_data=False)`,
    'asyncore.loop()',
  ].join('\n');
  const child = spawn('python3', ['-u', '-W', 'ignore', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return { port, child, out: () => out };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`smtpd did not start: ${out}`);
}

