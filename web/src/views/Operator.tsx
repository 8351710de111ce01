/** Operators (and carriers): registered systems, incident reports with their deadlines, guidance, shared intelligence. */
import { useState } from 'react';
import { fill, type Me, type Spec } from '../api.js';
import i18n, { locale } from '../i18n.js';
import { ApiAction, ApiList, DataTable, ErrorNote, NotAvailable, Section, fmt, label, useLoad } from '../ui.js';
import { IntelSection } from './Intel.js';
import { OperatorExposure } from './Exposure.js';
import { Attachments, Messages } from './ReportCase.js';

type Row = Record<string, unknown>;

/** the columns of a list that exist in its rows, in the order preferred */
export function present(rows: Row[], prefer: string[]): string[] | undefined {
  const have = new Set(rows.flatMap((r) => Object.keys(r)));
  const cols = prefer.filter((p) => have.has(p));
  return cols.length >= 2 ? cols : undefined;
}

/** a deadline cell: the time, and how long until it (or that it has passed) */
export function Deadline({ at, now = Date.now() }: { at: unknown; now?: number }) {
  if (at === null || at === undefined || at === '') return <>—</>;
  const t = typeof at === 'number' ? at : Date.parse(String(at));
  if (!Number.isFinite(t)) return <>{fmt(at)}</>;
  const h = (t - now) / 3_600_000;
  const overdue = h < 0;
  // "in 3 days" / "3 日後", "2 hours ago" / "2 時間前": the locale's own words
  const rel = new Intl.RelativeTimeFormat(locale(), { numeric: 'always' });
  const text = Math.abs(h) >= 48 ? rel.format(Math.round(h / 24), 'day') : rel.format(Math.round(h), 'hour');
  return (
    <span className={overdue ? 'overdue' : h < 24 ? 'due-soon' : undefined}>
      {fmt(new Date(t).toISOString())} ({overdue ? `${i18n.t('overdue')}: ${text}` : text})
    </span>
  );
}

const DEADLINE_KEYS = /^(deadline|due|dueAt|nextDeadline)$/i;

/** a report summary with its soonest unmet milestone (from its `deadlines`, when it has them) */
export function withNextDeadline(r: Row): Row {
  const ds = Array.isArray(r.deadlines) ? (r.deadlines as Row[]) : null;
  if (!ds) return r;
  const open = ds.filter((d) => !d.metAt).sort((a, b) => String(a.dueAt).localeCompare(String(b.dueAt)));
  const next = open[0];
  return { ...r, nextMilestone: next ? next.milestone : 'all met', nextDeadline: next ? next.dueAt : null };
}

export function OperatorView({ me, spec }: { me: Me; spec: Spec }) {
  const [report, setReport] = useState<Row | null>(null);
  const [version, setVersion] = useState(0);
  const systemsRoute = spec.find('GET', /^\/api\/v1\/(reports\/)?systems$/, /^\/api\/v1\/organisations\/\{\w+\}\/systems$/);
  const systems = useLoad<unknown>(systemsRoute ? fill(systemsRoute.path, { orgId: me.orgId, id: me.orgId }) : null);
  const systemRows = Array.isArray(systems.data) ? (systems.data as Row[]) : [];
  return (
    <div className="stack">
      <OperatorExposure me={me} spec={spec} />
      <div className="grid two">
        <div className="stack">
          <ApiList
            key={`reports-${version}`}
            spec={spec}
            title="Incident reports and deadlines"
            what="incident reports"
            patterns={[/^\/api\/v1\/reports$/, /^\/api\/v1\/incident-reports$/]}
            expected="GET /api/v1/reports"
            render={(rows) => (
              <DataTable
                caption="Reports"
                rows={rows.map(withNextDeadline)}
                columns={present(rows.map(withNextDeadline), ['title', 'kind', 'stage', 'severity', 'deadlineState', 'nextMilestone', 'nextDeadline', 'deadline', 'dueAt'])}
                picked={report?.id}
                onPick={setReport}
                cell={(k, r) => (DEADLINE_KEYS.test(k) && k !== 'overdue' ? <Deadline at={r[k]} /> : undefined)}
                empty="No reports filed yet."
              />
            )}
          />
          <ApiList
            key={`due-${version}`}
            spec={spec}
            title="What is due"
            what="the deadlines due"
            patterns={[/^\/api\/v1\/reports\/due$/]}
            expected="GET /api/v1/reports/due"
            render={(rows) => (
              <DataTable
                caption="Milestones due, soonest first"
                rows={rows.map((r, i) => ({ ...r, id: `${String(r.reportId)}-${String(r.milestone)}-${i}` }))}
                columns={present(rows, ['title', 'milestone', 'stage', 'dueAt', 'state'])}
                cell={(k, r) => (k === 'dueAt' ? <Deadline at={r[k]} /> : undefined)}
                empty="Nothing is due."
              />
            )}
          />
        </div>
        <Section title="File a report">
          <ApiAction
            spec={spec}
            patterns={[/^\/api\/v1\/reports$/, /^\/api\/v1\/incident-reports$/]}
            what="filing incident reports"
            expected="POST /api/v1/reports"
            submitLabel="File report"
            hints={{ systemIds: systemRows.map((s) => ({ value: String(s.id), label: String(s.name ?? s.id) })) }}
            onDone={(r) => {
              setReport(r as Row);
              setVersion((v) => v + 1);
            }}
          />
        </Section>
      </div>
      {report ? <ReportDetail spec={spec} report={report} onChange={() => setVersion((v) => v + 1)} /> : null}
      <div className="grid two">
        <Section title="Registered systems">
          {systemsRoute ? (
            <DataTable caption="Registered systems" rows={systemRows} columns={present(systemRows, ['name', 'function', 'location', 'networkLocation', 'products', 'updatedAt'])} empty="No systems registered yet." />
          ) : null}
          <details className="form-box" open={!systemsRoute ? true : undefined}>
            <summary>{i18n.t('Register a system')}</summary>
            <ApiAction
              spec={spec}
              patterns={[/^\/api\/v1\/(reports\/)?systems$/, /^\/api\/v1\/organisations\/\{\w+\}\/systems$/]}
              params={{ orgId: me.orgId }}
              what="registering systems"
              expected="POST /api/v1/systems"
              submitLabel="Register system"
              onDone={() => systems.reload()}
            />
          </details>
        </Section>
        <Guidance spec={spec} report={report} />
      </div>
      <IntelSection spec={spec} me={me} />
    </div>
  );
}

function ReportDetail({ spec, report, onChange }: { spec: Spec; report: Row; onChange: () => void }) {
  const id = String(report.id ?? '');
  const one = spec.find('GET', /^\/api\/v1\/reports\/\{\w+\}$/);
  const param = one ? (/\{(\w+)\}/.exec(one.path)?.[1] ?? 'id') : 'id';
  const full = useLoad<Row>(one && id ? fill(one.path, { [param]: id }) : null);
  const r = full.data ?? report;
  const patterns = [/^\/api\/v1\/reports\/\{\w+\}\/(submissions|updates|stages|stage)$/];
  const update = spec.find('POST', ...patterns);
  const uparam = update ? (/\{(\w+)\}/.exec(update.path)?.[1] ?? 'id') : 'id';
  const deadlines = Array.isArray(r.deadlines) ? (r.deadlines as Row[]) : [];
  const submissions = Array.isArray(r.submissions) ? (r.submissions as Row[]) : [];
  return (
    <Section title={i18n.t('Report: {{title}}', { title: String(r.title ?? id) })}>
      <div className="grid two">
        <div>
          <dl className="facts">
            {Object.entries(r)
              .filter(([k, v]) => (v === null || typeof v !== 'object') && !/Id$|^id$/.test(k))
              .slice(0, 14)
              .map(([k, v]) => (
                <div key={k}>
                  <dt>{label(k)}</dt>
                  <dd>{fmt(v)}</dd>
                </div>
              ))}
          </dl>
          {deadlines.length ? (
            <>
              <h3>{i18n.t('Deadlines')}</h3>
              <DataTable
                caption="Deadlines of the report"
                rows={deadlines.map((d, i) => ({ ...d, id: i }))}
                columns={['milestone', 'dueAt', 'metAt', 'state']}
                cell={(k, d) => (k === 'dueAt' && !d.metAt ? <Deadline at={d.dueAt} /> : undefined)}
              />
            </>
          ) : null}
          {submissions.length ? (
            <>
              <h3>{i18n.t('Stages submitted')}</h3>
              <DataTable caption="Stages submitted" rows={submissions.map((x, i) => ({ ...x, id: i }))} columns={['seq', 'stage', 'version', 'submittedAt']} />
            </>
          ) : null}
          <Attachments spec={spec} report={r} onDone={() => full.reload()} />
          <Messages spec={spec} report={r} answering onDone={() => full.reload()} />
        </div>
        <details className="form-box" open>
          <summary>{i18n.t('Send the next stage (update or final)')}</summary>
          {update ? (
            <ApiAction
              key={`${id}-${String(r.version)}`}
              spec={spec}
              patterns={patterns}
              params={{ [uparam]: id }}
              fixed={r.version !== undefined ? { version: r.version } : {}}
              hints={{ stage: [{ value: 'update', label: 'update' }, { value: 'final', label: 'final' }] }}
              what="updates to a report"
              expected="POST /api/v1/reports/{id}/submissions"
              submitLabel="Send stage"
              onDone={() => {
                full.reload();
                onChange();
              }}
            />
          ) : (
            <NotAvailable what="updates to a report" expected="POST /api/v1/reports/{id}/submissions" />
          )}
        </details>
      </div>
    </Section>
  );
}

/** guidance: the server's own list where it has one, else the guidance answering the chosen report */
function Guidance({ spec, report }: { spec: Spec; report: Row | null }) {
  const global = spec.find('GET', /^\/api\/v1\/guidance$/);
  const one = spec.find('GET', /^\/api\/v1\/reports\/\{\w+\}$/);
  const param = one ? (/\{(\w+)\}/.exec(one.path)?.[1] ?? 'id') : 'id';
  const list = useLoad<Row[]>(global?.path ?? null);
  const full = useLoad<Row>(!global && one && report ? fill(one.path, { [param]: String(report.id) }) : null);
  const rows = global ? (list.data ?? []) : Array.isArray(full.data?.guidance) ? (full.data.guidance as Row[]) : [];
  return (
    <Section title="Guidance">
      {!global && !one ? (
        <NotAvailable what="guidance" expected="GET /api/v1/guidance or GET /api/v1/reports/{id}" />
      ) : !global && !report ? (
        <p className="muted">{i18n.t('Guidance answers a report: choose a report to read the guidance sent back on it.')}</p>
      ) : (
        <>
          <ErrorNote error={list.error ?? full.error} />
          <DataTable caption="Guidance" rows={rows} columns={present(rows, ['title', 'kind', 'version', 'createdAt'])} empty="No guidance yet." />
          {rows.map((g) => (
            <details key={String(g.id)}>
              <summary>
                {String(g.title)} ({String(g.kind)}, v{String(g.version)})
              </summary>
              <p className="prose">{String(g.body ?? '')}</p>
            </details>
          ))}
        </>
      )}
    </Section>
  );
}
