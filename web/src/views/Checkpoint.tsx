/**
 * Verifying the audit log against a checkpoint the viewer saved before (#22): the commission member or
 * auditor fetches the latest checkpoint (GET /api/v1/audit-log/checkpoint) and keeps it in this browser
 * or elsewhere; later the browser checks, by itself, that the log now signed extends it — both
 * checkpoints' Ed25519 signatures against the log's key and the RFC 9162 consistency proof between
 * them — and says plainly whether it passed. A log that shrank, was rewritten or was signed by another
 * key fails. Nothing here takes the server's word: the hashes are recomputed (web/src/merkle.ts).
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { client, unwrap } from '../client.js';
import { parseCheckpoint, unb64, verifyConsistency, verifyNote, type Checkpoint } from '../merkle.js';
import { ErrorNote, Section, fmt } from '../ui.js';

const SAVED = 'acd.audit.checkpoint';

interface Outcome {
  pass: boolean;
  /** what was found, in the viewer's language */
  lines: string[];
  latest: string;
}

function stored(): string {
  try {
    return localStorage.getItem(SAVED) ?? '';
  } catch {
    return '';
  }
}

/**
 * Checks that the log's latest checkpoint extends `saved`. Returns the outcome with each finding; throws
 * only when the server could not be asked.
 */
export async function checkAgainst(saved: string, t: (k: string, o?: Record<string, unknown>) => string): Promise<Outcome> {
  const lines: string[] = [];
  const old = parseCheckpoint(saved);
  const latest = await api<string>('GET', '/api/v1/audit-log/checkpoint');
  const now = parseCheckpoint(String(latest));
  if (!old) return { pass: false, lines: [t('The saved text is not a checkpoint (origin, tree size, root hash, a blank line, signatures).')], latest: String(latest) };
  if (!now) return { pass: false, lines: [t('The server\'s checkpoint could not be read.')], latest: String(latest) };
  const key = await api<{ raw: string }>('GET', '/api/v1/audit-log/public-key');
  const raw = unb64(key.raw);
  let pass = true;
  const sigOld = await verifyNote(saved.replace(/\r\n/g, '\n'), raw);
  const sigNow = await verifyNote(String(latest), raw);
  for (const [which, sig] of [[t('saved checkpoint'), sigOld], [t('latest checkpoint'), sigNow]] as const) {
    if (sig === null) lines.push(t('The signature of the {{which}} was not checked: this browser has no Ed25519.', { which }));
    else if (sig) lines.push(t('The signature of the {{which}} is valid (the log\'s key).', { which }));
    else {
      pass = false;
      lines.push(t('The signature of the {{which}} is NOT valid for the log\'s key.', { which }));
    }
  }
  if (old.origin !== now.origin) {
    pass = false;
    lines.push(t('The checkpoints name different logs: {{a}} and {{b}}.', { a: old.origin, b: now.origin }));
  }
  if (now.treeSize < old.treeSize) {
    pass = false;
    lines.push(t('The log shrank: {{now}} entries now, {{old}} in the saved checkpoint.', { now: now.treeSize, old: old.treeSize }));
    return { pass, lines, latest: String(latest) };
  }
  let proof: Uint8Array[] = [];
  if (old.treeSize > 0 && old.treeSize < now.treeSize) {
    const p = unwrap(await client.GET('/api/v1/audit-log/proof/consistency', { params: { query: { first: old.treeSize, second: now.treeSize } } }));
    proof = p.consistencyPath.map(unb64);
  }
  const consistent = await verifyConsistency(old.treeSize, now.treeSize, unb64(old.rootHash), unb64(now.rootHash), proof);
  if (consistent) lines.push(t('The log of {{now}} entries extends the saved one of {{old}}: no entry recorded then was changed, removed or reordered.', { now: now.treeSize, old: old.treeSize }));
  else {
    pass = false;
    lines.push(t('The consistency proof from {{old}} to {{now}} entries does NOT verify: the log is not an extension of the saved checkpoint.', { now: now.treeSize, old: old.treeSize }));
  }
  return { pass, lines, latest: String(latest) };
}

export function CheckpointCheck() {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const [text, setText] = useState(stored);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const parsed: Checkpoint | null = text.trim() ? parseCheckpoint(text) : null;

  const save = (value: string) => {
    try {
      localStorage.setItem(SAVED, value);
      setSavedNote(t('Saved in this browser at {{at}}.', { at: fmt(new Date().toISOString()) }));
    } catch {
      setSavedNote(t('This browser refused to save it: copy the text and keep it elsewhere.'));
    }
  };

  return (
    <Section title="Verify against a saved checkpoint">
      <p className="small muted">{t('Save a checkpoint now; later, check that the log still extends it. The check runs in this browser.')}</p>
      <div className="field">
        <label htmlFor={`${f}-cp`}>{t('Saved checkpoint')}</label>
        <textarea id={`${f}-cp`} rows={6} spellCheck={false} className="mono" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${f}-cp-hint`} />
        <span className="hint" id={`${f}-cp-hint`}>
          {parsed ? t('A checkpoint of {{size}} entries of {{origin}}.', { size: parsed.treeSize, origin: parsed.origin }) : text.trim() ? t('Not a checkpoint yet.') : t('Paste one, or fetch the latest.')}
        </span>
      </div>
      <div className="buttons">
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => {
            setError(null);
            api<string>('GET', '/api/v1/audit-log/checkpoint')
              .then((cp) => {
                setText(String(cp));
                setOutcome(null);
              })
              .catch(setError);
          }}
        >
          {t('Fetch the latest checkpoint')}
        </button>
        <button type="button" className="secondary" disabled={busy || !parsed} onClick={() => save(text)}>
          {t('Save in this browser')}
        </button>
        <button
          type="button"
          disabled={busy || !text.trim()}
          onClick={() => {
            setBusy(true);
            setError(null);
            setOutcome(null);
            checkAgainst(text, t)
              .then(setOutcome)
              .catch(setError)
              .finally(() => setBusy(false));
          }}
        >
          {busy ? t('Checking…') : t('Verify the log against it')}
        </button>
      </div>
      {savedNote ? <p role="status">{savedNote}</p> : null}
      <ErrorNote error={error} />
      {outcome ? (
        <div role="region" aria-label={t('Checkpoint verification')}>
          <p className={outcome.pass ? 'good' : 'bad'} role="status">
            <strong>{outcome.pass ? t('PASS: the log extends the saved checkpoint.') : t('FAIL: the log does not extend the saved checkpoint.')}</strong>
          </p>
          <ul>
            {outcome.lines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
          {outcome.pass ? (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setText(outcome.latest);
                save(outcome.latest);
              }}
            >
              {t('Keep the latest checkpoint instead')}
            </button>
          ) : null}
        </div>
      ) : null}
    </Section>
  );
}
