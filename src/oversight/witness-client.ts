/**
 * The log's side of C2SP tlog-witness (https://c2sp.org/tlog-witness): after signing a head, ask the
 * witness to cosign it with `POST <prefix>/add-checkpoint`, giving the size the witness last cosigned
 * and a consistency proof from it. A 409 with `text/x.tlog.size` tells the size the witness holds: the
 * request is made again once from that size (the log lost track of it, e.g. after a restart without
 * the cosigned table). A witness that holds a LARGER size than the head refuses for good: the log was
 * cut, and only the log's own key signed the smaller head.
 */
import type { SignedTreeHead } from './tree-head.js';
import { verifyCosignature, type CosignerVerifier } from './cosignature.js';
import { parseNote } from './note.js';
import { auditError } from './errors.js';

export interface WitnessClient {
  readonly url: string;
  readonly verifier: CosignerVerifier;
  /** Returns the head's note with the witness's cosignature line appended; throws AUDIT_WITNESS_FAILED when it did not cosign. */
  cosign(head: SignedTreeHead, oldSize: number, proofFrom: (size: number) => Promise<Buffer[]>): Promise<string>;
}

export function createWitnessClient(o: { url: string; verifier: CosignerVerifier; timeoutMs?: number }): WitnessClient {
  const endpoint = new URL('add-checkpoint', o.url.endsWith('/') ? o.url : `${o.url}/`).toString();
  const timeoutMs = o.timeoutMs ?? 10_000;
  return {
    url: o.url,
    verifier: o.verifier,
    async cosign(head, oldSize, proofFrom) {
      let old = oldSize > head.treeSize ? 0 : oldSize;
      for (let attempt = 0; attempt < 2; attempt++) {
        const proof = old === 0 ? [] : await proofFrom(old);
        const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${head.note}`;
        let res: Response;
        try {
          res = await fetch(endpoint, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(timeoutMs) });
        } catch (e) {
          throw auditError('AUDIT_WITNESS_FAILED', `witness ${o.url} is unreachable: ${(e as Error).message}`);
        }
        const text = await res.text();
        if (res.status === 200) {
          // keep only the cosignature lines of the witness we trust, checked
          const lines = text.split('\n').filter((l) => l.length > 0);
          const merged = head.note + lines.map((l) => `${l}\n`).join('');
          const { signatures } = parseNote(merged);
          verifyCosignature(merged, o.verifier);
          const mine = lines.filter((l, i) => {
            const s = signatures[signatures.length - lines.length + i];
            return s !== undefined && s.name === o.verifier.name && s.keyId.equals(o.verifier.keyId);
          });
          return head.note + mine.map((l) => `${l}\n`).join('');
        }
        if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith('text/x.tlog.size')) {
          const size = Number(text.trim());
          if (!Number.isSafeInteger(size) || size < 0) throw auditError('AUDIT_WITNESS_FAILED', `witness ${o.url}: 409 with a size that is not a count: ${text.slice(0, 40)}`);
          if (size > head.treeSize) {
            throw auditError('AUDIT_WITNESS_FAILED', `witness ${o.url} last cosigned a head of ${size} entries, larger than this head of ${head.treeSize}: the log was cut, the witness refuses`);
          }
          if (size === old) break;
          old = size;
          continue;
        }
        throw auditError('AUDIT_WITNESS_FAILED', `witness ${o.url} refused the head of ${head.treeSize} entries: HTTP ${res.status} ${text.slice(0, 200)}`);
      }
      throw auditError('AUDIT_WITNESS_FAILED', `witness ${o.url} refused the head of ${head.treeSize} entries: a conflict at size ${old} (the root it holds differs)`);
    },
  };
}
