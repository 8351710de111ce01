/**
 * One incident report as its people work on it (#22): the operator's evidence files (drag and drop or a
 * file input, the size limit shown), the questions and answers between the operator and its recipients
 * (the agency, the sector's ministry), and the recipients' acknowledgement, triage and guidance.
 */
import { useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, fill, upload, type Spec } from '../api.js';
import { ApiAction, DataTable, ErrorNote, fmt } from '../ui.js';

type Row = Record<string, unknown>;

/** the byte limit the server states in its route summary ("at most N bytes"), if it states one */
function limitOf(summary: string): number | null {
  const m = /at most (\d+) bytes/.exec(summary);
  return m ? Number(m[1]) : null;
}

function size(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
}

export function Attachments({ spec, report, onDone }: { spec: Spec; report: Row; onDone: () => void }) {
  const { t } = useTranslation();
  const route = spec.routes.find((r) => r.method === 'POST' && /^\/api\/v1\/reports\/\{\w+\}\/attachments$/.test(r.path));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const files = Array.isArray(report.attachments) ? (report.attachments as Row[]) : [];
  if (!route) return null;
  const max = limitOf(route.summary);
  const param = /\{(\w+)\}/.exec(route.path)?.[1] ?? 'reportId';
  async function send(list: FileList | null) {
    if (!list || !route) return;
    setError(null);
    setBusy(true);
    try {
      for (const f of Array.from(list)) {
        if (max !== null && f.size > max) throw new Error(t('{{name}} is {{size}}: larger than the limit of {{max}}', { name: f.name, size: size(f.size), max: size(max) }));
        await upload(`${fill(route.path, { [param]: String(report.id) })}?filename=${encodeURIComponent(f.name)}`, f);
      }
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div>
      <h3>{t('Evidence files')}</h3>
      <DataTable caption="Evidence files" rows={files} columns={['filename', 'mediaType', 'size', 'sha256', 'uploadedAt']} empty="No file attached yet." />
      <div
        className={over ? 'drop over' : 'drop'}
        onDragOver={(e: DragEvent) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e: DragEvent) => {
          e.preventDefault();
          setOver(false);
          void send(e.dataTransfer.files);
        }}
      >
        <label htmlFor={`attach-${String(report.id)}`}>{t('Attach evidence files (drop them here or choose)')}</label>
        <input id={`attach-${String(report.id)}`} type="file" multiple disabled={busy} onChange={(e) => void send(e.target.files)} />
        {max !== null ? <span className="hint">{t('At most {{max}} a file.', { max: size(max) })}</span> : null}
      </div>
      <ErrorNote error={error} />
    </div>
  );
}

/** the questions and answers of a report; `answering` (the operator) answers, else (a recipient) asks */
export function Messages({ spec, report, answering, onDone }: { spec: Spec; report: Row; answering: boolean; onDone: () => void }) {
  const { t } = useTranslation();
  const messages = Array.isArray(report.messages) ? (report.messages as Row[]) : [];
  const questions = messages.filter((m) => m.kind === 'question');
  const route = spec.find('POST', /^\/api\/v1\/reports\/\{\w+\}\/messages$/);
  const param = route ? (/\{(\w+)\}/.exec(route.path)?.[1] ?? 'reportId') : 'reportId';
  return (
    <div>
      <h3>{t('Questions and answers')}</h3>
      <DataTable
        caption="Questions and answers"
        rows={messages}
        columns={['kind', 'body', 'createdAt']}
        cell={(k, m) => (k === 'kind' ? (m.replyTo ? t('answer') : t('question')) : undefined)}
        empty="No question yet."
      />
      {route && (!answering || questions.length > 0) ? (
        <details className="form-box">
          <summary>{answering ? t('Answer a question') : t('Ask a question')}</summary>
          <ApiAction
            spec={spec}
            patterns={[/^\/api\/v1\/reports\/\{\w+\}\/messages$/]}
            params={{ [param]: String(report.id) }}
            fixed={{ kind: answering ? 'answer' : 'question' }}
            hints={{ replyTo: questions.map((q) => ({ value: String(q.id), label: String(q.body).slice(0, 80) })) }}
            what="questions"
            expected="POST /api/v1/reports/{id}/messages"
            submitLabel={answering ? 'Send answer' : 'Send question'}
            onDone={onDone}
          />
        </details>
      ) : null}
    </div>
  );
}

/** a recipient's (the ministry's, the agency's) work on a report: acknowledge, triage, guidance */
export function RecipientActions({ spec, report, onDone }: { spec: Spec; report: Row; onDone: () => void }) {
  const { t } = useTranslation();
  const [acked, setAcked] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ack = spec.find('POST', /^\/api\/v1\/reports\/\{\w+\}\/ack$/);
  const id = String(report.id);
  const p = (path: string) => fill(path, { [/\{(\w+)\}/.exec(path)?.[1] ?? 'reportId']: id });
  return (
    <div>
      {ack ? (
        <div className="buttons">
          <button
            type="button"
            onClick={() => {
              setError(null);
              api<{ acknowledgedAt: string }>('POST', p(ack.path), {})
                .then((r) => {
                  setAcked(r.acknowledgedAt);
                  onDone();
                })
                .catch(setError);
            }}
          >
            {t('Acknowledge')}
          </button>
          {acked ? (
            <span role="status" className="good">
              {t('Acknowledged')} {fmt(acked)}
            </span>
          ) : null}
        </div>
      ) : null}
      <ErrorNote error={error} />
      <details className="form-box">
        <summary>{t('Triage')}</summary>
        <ApiAction
          key={`triage-${String(report.version)}`}
          spec={spec}
          patterns={[/^\/api\/v1\/reports\/\{\w+\}\/triage$/]}
          params={{ reportId: id }}
          // the version as read; sharing indicators is the agency's say (its own form), not asked here
          fixed={{ version: report.version, shareIndicatorsTo: undefined, assigneeUserId: undefined }}
          what="triage"
          expected="POST /api/v1/reports/{id}/triage"
          submitLabel="Record triage"
          onDone={onDone}
        />
      </details>
      <details className="form-box">
        <summary>{t('Send guidance')}</summary>
        <ApiAction spec={spec} patterns={[/^\/api\/v1\/reports\/\{\w+\}\/guidance$/]} params={{ reportId: id }} what="guidance" expected="POST /api/v1/reports/{id}/guidance" submitLabel="Send guidance" onDone={onDone} />
      </details>
    </div>
  );
}
