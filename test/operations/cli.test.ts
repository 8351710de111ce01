import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const acd = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: new URL('../..', import.meta.url).pathname });

test('acd operations gobgpd-config writes the TOML; a bad neighbour is refused naming the option', async () => {
  const { stdout } = await acd('operations', 'gobgpd-config', '--as', '64512', '--router-id', '192.0.2.1', '--local-address', '192.0.2.1', '--neighbor', '192.0.2.2:64500', '--neighbor', '[2001:db8::2]:64501:1179');
  assert.match(stdout, /as = 64512\n {2}router-id = "192\.0\.2\.1"\n {2}port = 179\n/);
  assert.match(stdout, /neighbor-address = "192\.0\.2\.2"\n {4}peer-as = 64500\n/);
  assert.match(stdout, /neighbor-address = "2001:db8::2"\n {4}peer-as = 64501\n[\s\S]*?remote-port = 1179/);
  assert.equal(stdout.match(/afi-safi-name = "ipv4-flowspec"/g)?.length, 2);
  await assert.rejects(acd('operations', 'gobgpd-config', '--as', '64512', '--router-id', '192.0.2.1', '--local-address', '192.0.2.1', '--neighbor', 'router-b'), /--neighbor: router-b is not address:as\[:port\]/);
  const help = await acd('operations', 'expire', '--help');
  assert.match(help.stdout, /Example:\n {2}\$ acd operations expire/);
});
