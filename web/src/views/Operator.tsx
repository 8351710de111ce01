/** Operators (and carriers): registered systems, incident reports with their deadlines, guidance, shared intelligence. */
import { useState } from 'react';
import { fill, type Me, type Spec } from '../api.js';
import { ApiAction, ApiList, DataTable, Section, fmt, useLoad } from '../ui.js';
import { IntelSection } from './Intel.js';

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
  const text = Math.abs(h) >= 48 ? `${Math.round(Math.abs(h) / 24)} d` : `${Math.round(Math.abs(h))} h`;
  return (
    <span className={overdue ? 'overdue' : h < 24 ? 'due-soon' : undefined}>
      {fmt(new Date(t).toISOString())} ({overdue ? `overdue by ${text}` : `in ${text}`})
    </span>
  );
}

const DEADLINE_KEYS = /deadline|due|dueAt|nextDeadline/i;

export function OperatorView({ me, spec }: { me: Me; spec: Spec }) {
  const [report, setReport] = useState<Row | null>(null);
  const [version, setVersion] = useState(0);
  const systemsRoute = spec.find('GET', /^\/api\/v1\/(reports\/)?systems$/, /^\/api\/v1\/organisations\/\{\w+\}\/systems$/);
  const systems = useLoad<unknown>(systemsRoute ? fill(systemsRoute.path, { orgId: me.orgId, id: me.orgId }) : null);
  const systemRows = Array.isArray(systems.data) ? (systems.data as Row[]) : [];
  return (
    <div className="stack">
      <div className="grid two">
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
              rows={rows}
              columns={present(rows, ['title', 'kind', 'stage', 'status', 'state', 'sector', 'detectedAt', 'deadline', 'nextDeadline', 'dueAt', 'overdue', 'updatedAt'])}
              picked={report?.id}
              onPick={setReport}
              cell={(k, r) => (DEADLINE_KEYS.test(k) && k !== 'overdue' ? <Deadline at={r[k]} /> : undefined)}
              empty="No reports filed yet."
            />
          )}
        />
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
            <summary>Register a system</summary>
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
        <ApiList
          spec={spec}
          title="Guidance"
          what="guidance documents"
          patterns={[/^\/api\/v1\/guidance$/, /^\/api\/v1\/reports\/guidance$/]}
          expected="GET /api/v1/guidance"
          render={(rows) => <DataTable caption="Guidance" rows={rows} columns={present(rows, ['title', 'kind', 'version', 'sector', 'publishedAt', 'updatedAt', 'createdAt'])} empty="No guidance for you yet." />}
        />
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
  const update = spec.find('POST', /^\/api\/v1\/reports\/\{\w+\}\/(updates|stages|stage)$/, /^\/api\/v1\/reports\/\{\w+\}$/);
  const uparam = update ? (/\{(\w+)\}/.exec(update.path)?.[1] ?? 'id') : 'id';
  return (
    <Section title={`Report ${String(r.title ?? id)}`}>
      <dl className="facts">
        {Object.entries(r)
          .filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v))
          .slice(0, 16)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{DEADLINE_KEYS.test(k) && k !== 'overdue' ? <Deadline at={v} /> : fmt(v)}</dd>
            </div>
          ))}
      </dl>
      <details className="form-box">
        <summary>Add an update to this report</summary>
        <ApiAction
          key={id}
          spec={spec}
          patterns={[/^\/api\/v1\/reports\/\{\w+\}\/(updates|stages|stage)$/]}
          params={{ [uparam]: id }}
          what="updates to a report"
          expected="POST /api/v1/reports/{id}/updates"
          submitLabel="Send update"
          onDone={() => {
            full.reload();
            onChange();
          }}
        />
      </details>
    </Section>
  );
}
