/**
 * The command line as a client of a running ACD: commands that change what the law governs (approvals,
 * re-identification) go through the HTTP API, so the server's roles, validation and audit apply exactly
 * as they do to any other caller. The server is `--url` or ACD_URL; the caller's API token `--token` or
 * ACD_TOKEN (prefer the environment: a command line is visible to other users of the machine).
 */
import type { Command } from 'commander';
import { AcdError } from '../shared/errors.js';

export interface CliIo {
  /** where results go (stdout) */
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export const processIo = (): CliIo => ({ out: (s) => void process.stdout.write(s), env: process.env });

export function addApiOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the ACD server, e.g. https://acd.example:8080 (default: ACD_URL)')
    .option('--token <token>', 'your API token (default: ACD_TOKEN; the environment keeps it out of the process list)');
}

export interface ApiClient {
  readonly url: string;
  call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

export function apiClient(opts: { url?: string; token?: string }, io: CliIo): ApiClient {
  const raw = opts.url ?? io.env.ACD_URL;
  if (!raw) throw new AcdError('CLI_NO_URL', '--url: which ACD server? give --url or set ACD_URL');
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new AcdError('CLI_BAD_URL', `--url: '${raw}' is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new AcdError('CLI_BAD_URL', `--url: '${raw}' is not http or https`);
  const token = opts.token ?? io.env.ACD_TOKEN;
  if (!token) throw new AcdError('CLI_NO_TOKEN', '--token: no API token; give --token or set ACD_TOKEN (make one in the web UI or POST /api/v1/people/{id}/tokens)');
  const f = io.fetch ?? fetch;
  const root = base.href.replace(/\/+$/, '');
  return {
    url: root,
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await f(`${root}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new AcdError('CLI_UNREACHABLE', `cannot reach ${root}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new AcdError('CLI_BAD_ANSWER', `${method} ${path}: the server answered ${res.status} with something that is not JSON`, { status: res.status });
      }
      if (!res.ok) {
        const b = (json ?? {}) as { error?: string; message?: string; details?: unknown };
        throw new AcdError(b.error ?? `HTTP_${res.status}`, `${method} ${path}: ${res.status} ${b.message ?? res.statusText}`, { status: res.status, details: b.details });
      }
      return json as T;
    },
  };
}
