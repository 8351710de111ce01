/**
 * The witness (`acd witness`): a second party, the commission's, that cosigns the audit log's heads.
 * C2SP tlog-witness (https://c2sp.org/tlog-witness) over HTTP, cosignatures per C2SP tlog-cosignature
 * (cosignature.ts). It runs as its own process, with its own key and its own data folder:
 *
 *   <data>/witness-key.pem          its Ed25519 key (PKCS#8, created 0600)
 *   <data>/witness-state.json       per log origin: the last cosigned size, root hash and checkpoint
 *   <data>/witness-refused.jsonl    requests it refused although the log's signature was valid (evidence of misbehaviour)
 *
 * `POST /add-checkpoint` body: "old <size>\n", ≤ 63 base64 proof lines, an empty line, the checkpoint
 * (signed note). Answers: 404 unknown origin, 403 no valid signature by the log's key, 400 malformed or
 * old > size, 409 `text/x.tlog.size` when old is not the size it last cosigned (or the same size with
 * another root), 422 a consistency proof that does not verify, 200 the cosignature line. The check
 * and the durable update of the state happen one request at a time, the state written (fsync, rename)
 * before the answer. A head the log re-signed after a truncation is smaller than the witness's size or
 * inconsistent with its root: never cosigned.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, appendFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import { importVerifier, privateKeyPem, type LogVerifier } from './keys.js';
import { openNote, parseNote } from './note.js';
import { verifyConsistency } from './proofs.js';
import { cosignCheckpoint, cosignerFromKeys, cosignerVkey, generateCosignerKey, type CosignerKey } from './cosignature.js';
import { HASH_SIZE } from './merkle.js';
import { AcdError } from '../shared/errors.js';

export const WITNESS_KEY_FILE = 'witness-key.pem';
export const WITNESS_STATE_FILE = 'witness-state.json';
export const WITNESS_REFUSED_FILE = 'witness-refused.jsonl';
const MAX_BODY = 1 << 20;

export interface WitnessLogState {
  size: number;
  rootHash: string;
  checkpoint: string;
}

export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface Witness {
  readonly key: CosignerKey;
  readonly vkey: string;
  readonly dataDir: string;
  /** the tlog-witness add-checkpoint call, on a request body */
  addCheckpoint(body: string): Promise<WitnessResponse>;
  /** what it last cosigned for a log origin */
  state(origin: string): WitnessLogState | undefined;
}

export interface WitnessOptions {
  dataDir: string;
  /** the witness's name in its cosignature lines, e.g. "commission.example.org/witness" */
  name: string;
  /** the logs it witnesses: their verifier keys (vkey text or verifier) */
  logs: ReadonlyArray<string | LogVerifier>;
  logger?: Logger;
  /** seconds since the epoch (tests) */
  now?: () => number;
}

function loadOrCreateKey(dataDir: string, name: string): CosignerKey {
  const path = join(dataDir, WITNESS_KEY_FILE);
  if (existsSync(path)) return cosignerFromKeys(name, createPrivateKey(readFileSync(path, 'utf8')));
  const key = generateCosignerKey(name);
  writeFileSync(path, privateKeyPem(key), { mode: 0o600, flag: 'wx' });
  return key;
}

function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): WitnessResponse => ({ status, contentType, body: body.endsWith('\n') || body === '' ? body : `${body}\n` });

export function createWitness(o: WitnessOptions): Witness {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const key = loadOrCreateKey(o.dataDir, o.name);
  const logger = o.logger ?? silentLogger;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  const logs = new Map<string, LogVerifier>();
  for (const l of o.logs) {
    const v = typeof l === 'string' ? importVerifier(l) : l;
    logs.set(v.name, v);
  }
  const statePath = join(o.dataDir, WITNESS_STATE_FILE);
  let state: Record<string, WitnessLogState> = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, WitnessLogState>) : {};
  const refused = (e: Record<string, unknown>): void => {
    appendFileSync(join(o.dataDir, WITNESS_REFUSED_FILE), JSON.stringify({ at: new Date().toISOString(), ...e }) + '\n', { mode: 0o600 });
  };

  const handle = (body: string): WitnessResponse => {
    // old size line, proof lines, empty line, checkpoint
    const blank = body.indexOf('\n\n');
    if (blank < 0) return reply(400, 'malformed request: no empty line before the checkpoint');
    const head = body.slice(0, blank).split('\n');
    const note = body.slice(blank + 2);
    const oldM = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
    if (!oldM) return reply(400, 'malformed request: the first line must be "old <size>"');
    const old = Number(oldM[1]);
    const proofLines = head.slice(1);
    if (proofLines.length > 63) return reply(400, 'more than 63 consistency proof lines');
    const proof: Buffer[] = [];
    for (const l of proofLines) {
      const b = Buffer.from(l, 'base64');
      if (b.length !== HASH_SIZE || b.toString('base64') !== l) return reply(400, 'a consistency proof line is not a base64 SHA-256 hash');
      proof.push(b);
    }
    let text: string;
    try {
      text = parseNote(note).text;
    } catch (e) {
      return reply(400, `malformed checkpoint: ${(e as Error).message}`);
    }
    const lines = text.slice(0, -1).split('\n');
    const [origin, sizeText, rootText] = lines as [string, string | undefined, string | undefined];
    const log = logs.get(origin);
    if (!log) return reply(404, `unknown log ${origin}`);
    try {
      openNote(note, log);
    } catch {
      return reply(403, `no valid signature by the key of ${origin}`);
    }
    if (sizeText === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeText) || rootText === undefined) return reply(400, 'malformed checkpoint: no size or root hash line');
    const size = Number(sizeText);
    const root = Buffer.from(rootText, 'base64');
    if (!Number.isSafeInteger(size) || root.length !== HASH_SIZE || root.toString('base64') !== rootText) return reply(400, 'malformed checkpoint: size or root hash');
    if (old > size) return reply(400, `old size ${old} is larger than the checkpoint's size ${size}`);
    if (old === 0 && proof.length > 0) return reply(400, 'the proof must be empty when the old size is 0');
    const last = state[origin];
    const lastSize = last?.size ?? 0;
    if (old !== lastSize) {
      if (size < lastSize) {
        refused({ origin, reason: `a checkpoint of ${size} entries after one of ${lastSize} was cosigned: the log went back`, old, checkpoint: note });
        logger.error({ origin, size, lastSize }, 'witness: the log presents a smaller tree than the one cosigned: refused');
      }
      return reply(409, `${lastSize}`, 'text/x.tlog.size');
    }
    if (last && old === size) {
      if (last.rootHash !== rootText) {
        refused({ origin, reason: `two different roots for size ${size}`, checkpoint: note, cosigned: last.checkpoint });
        logger.error({ origin, size }, 'witness: a second root for a size already cosigned: refused');
        return reply(409, `${lastSize}`, 'text/x.tlog.size');
      }
    } else if (last && !verifyConsistency(old, size, Buffer.from(last.rootHash, 'base64'), root, proof)) {
      refused({ origin, reason: `the consistency proof from ${old} to ${size} does not verify`, old, proof: proofLines, checkpoint: note });
      logger.error({ origin, old, size }, 'witness: consistency proof does not verify: refused');
      return reply(422, `the consistency proof from ${old} to ${size} does not verify`);
    }
    // persist before answering
    const next = { ...state, [origin]: { size, rootHash: rootText, checkpoint: note } };
    writeDurably(statePath, JSON.stringify(next));
    state = next;
    return reply(200, cosignCheckpoint(text, key, now()));
  };

  let queue: Promise<unknown> = Promise.resolve();
  return {
    key,
    vkey: cosignerVkey(key),
    dataDir: o.dataDir,
    addCheckpoint(body) {
      const run = queue.then(() => handle(body));
      queue = run.catch(() => undefined);
      return run;
    },
    state: (origin) => state[origin],
  };
}

export interface RunningWitness {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `POST /add-checkpoint` (and GET /healthz) on host:port; port 0 takes any free port. */
export async function startWitnessServer(w: Witness, o: { host: string; port: number; logger?: Logger }): Promise<RunningWitness> {
  const logger = o.logger ?? silentLogger;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', vkey: w.vkey }));
      return;
    }
    if (path !== '/add-checkpoint') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' }).end('POST only\n');
      return;
    }
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request too large\n');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      w.addCheckpoint(Buffer.concat(chunks).toString('utf8')).then(
        (r) => res.writeHead(r.status, { 'content-type': r.contentType }).end(r.body),
        (e: unknown) => {
          logger.error({ err: e }, 'witness: add-checkpoint failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end(e instanceof AcdError ? `${e.code}\n` : 'internal error\n');
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
