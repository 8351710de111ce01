/**
 * A sector ministry's queue (#22): the reports of its sectors, overdue ones first, then by the next
 * deadline; a report opened shows its content, deadlines, evidence files and questions, and the
 * ministry acknowledges, triages, asks questions and sends guidance.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fill, rowsOf, type Me, type Spec } from '../api.js';
import { DataTable, ErrorNote, NotAvailable, Section, fmt, label, useLoad } from '../ui.js';
import { Deadline, present, withNextDeadline } from './Operator.js';
import { Messages, RecipientActions } from './ReportCase.js';

type Row = Record<string, unknown>;

/** overdue first (the longest overdue on top), then the soonest next deadline, then the rest */
export function queueOrder(rows: Row[], now = Date.now()): Row[] {
  const due = (r: Row) => (r.nextDeadline ? Date.parse(String(r.nextDeadline)) : Number.POSITIVE_INFINITY);
  const overdue = (r: Row) => r.deadlineState === 'overdue' || due(r) < now;
  return [...rows].sort((a, b) => Number(overdue(b)) - Number(overdue(a)) || due(a) - due(b));
}

export function MinistryView({ spec }: { me: Me; spec: Spec }) {
  const { t } = useTranslation();
  const list = spec.find('GET', /^\/api\/v1\/reports$/);
  const loaded = useLoad<unknown>(list?.path ?? null, 10_000);
  const [picked, setPicked] = useState<string | null>(null);
  const rows = queueOrder(rowsOf(loaded.data).map(withNextDeadline));
  return (
    <div className="stack">
      <Section title="Sector queue">
        {!list ? (
          <NotAvailable what="incident reports" expected="GET /api/v1/reports" />
        ) : (
          <>
            <p className="small muted">{t('Overdue first: the reports of your sectors, with their next deadline.')}</p>
            <ErrorNote error={loaded.error} />
            <DataTable
              caption="Incident reports received"
              rows={rows}
              columns={present(rows, ['title', 'sector', 'kind', 'stage', 'severity', 'deadlineState', 'nextMilestone', 'nextDeadline'])}
              picked={picked ?? undefined}
              onPick={(r) => setPicked(String(r.id))}
              cell={(k, r) => (k === 'nextDeadline' ? <Deadline at={r[k]} /> : k === 'deadlineState' && r[k] === 'overdue' ? <span className="overdue">{t('overdue')}</span> : undefined)}
              empty="No report received."
            />
          </>
        )}
      </Section>
      {picked ? <MinistryCase spec={spec} id={picked} onChange={loaded.reload} /> : null}
    </div>
  );
}

function MinistryCase({ spec, id, onChange }: { spec: Spec; id: string; onChange: () => void }) {
  const { t } = useTranslation();
  const one = spec.find('GET', /^\/api\/v1\/reports\/\{\w+\}$/);
  const full = useLoad<Row>(one ? fill(one.path, { [/\{(\w+)\}/.exec(one.path)?.[1] ?? 'reportId']: id }) : null);
  const r = full.data;
  const done = () => {
    full.reload();
    onChange();
  };
  const content = r && typeof r.content === 'object' && r.content ? (r.content as Row) : {};
  const deadlines = Array.isArray(r?.deadlines) ? (r.deadlines as Row[]) : [];
  return (
    <Section title={r ? t('Report: {{title}}', { title: String(r.title ?? id) }) : t('Loading…')}>
      <ErrorNote error={full.error} />
      {r ? (
        <div className="grid two">
          <div>
            <dl className="facts">
              {['kind', 'stage', 'sector', 'severity', 'tlp', 'detectedAt', 'createdAt']
                .filter((k) => r[k] !== undefined)
                .map((k) => (
                  <div key={k}>
                    <dt>{label(k)}</dt>
                    <dd>{fmt(r[k])}</dd>
                  </div>
                ))}
            </dl>
            <dl className="facts">
              {Object.entries(content)
                .filter(([, v]) => v === null || typeof v !== 'object')
                .map(([k, v]) => (
                  <div key={k}>
                    <dt>{label(k)}</dt>
                    <dd>{fmt(v)}</dd>
                  </div>
                ))}
            </dl>
            <DataTable
              caption="Deadlines of the report"
              rows={deadlines.map((d, i) => ({ ...d, id: i }))}
              columns={['milestone', 'dueAt', 'metAt', 'state']}
              cell={(k, d) => (k === 'dueAt' && !d.metAt ? <Deadline at={d.dueAt} /> : undefined)}
            />
            <Messages spec={spec} report={r} answering={false} onDone={done} />
          </div>
          <RecipientActions spec={spec} report={r} onDone={done} />
        </div>
      ) : null}
    </Section>
  );
}
