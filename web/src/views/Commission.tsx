/** The oversight commission (and auditors): decisions, emergencies, measures, the audit log, transparency. */
import { useMemo, useState } from 'react';
import { fill, rowsOf, type Me, type Spec } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { ApiAction, ApiList, DataTable, ErrorNote, NotAvailable, Section, columnsOf, fmt, label, useLoad } from '../ui.js';
import { present } from './Operator.js';

type Row = Record<string, unknown>;

const PENDING = /request|pending|await|submitted|proposed/i;

export function CommissionView({ me, spec }: { me: Me; spec: Spec }) {
  const member = me.roles.includes('commission_member');
  return (
    <div className="stack">
      <div className="grid two">
        <Decisions spec={spec} member={member} kind="approval" />
        <Decisions spec={spec} member={member} kind="operation" />
      </div>
      <div className="grid two">
        <ApiList
          spec={spec}
          title="Emergency notifications"
          what="emergency notifications"
          patterns={[/^\/api\/v1\/(operations\/)?emergenc/, /^\/api\/v1\/oversight\/emergenc/, /^\/api\/v1\/notifications$/]}
          expected="GET /api/v1/operations/emergencies"
          render={(rows) => <DataTable caption="Emergency notifications" rows={rows} columns={present(rows, ['title', 'operationId', 'state', 'notifiedAt', 'dueAt', 'deadline', 'ratified'])} empty="No emergency notification." />}
        />
        <ApiList
          spec={spec}
          title="Measures in force"
          what="measures in force"
          patterns={[/^\/api\/v1\/measures$/, /^\/api\/v1\/operations\/measures$/, /^\/api\/v1\/measures\/in-force$/]}
          expected="GET /api/v1/measures"
          render={(rows) => <DataTable caption="Measures in force" rows={rows} columns={present(rows, ['kind', 'type', 'target', 'state', 'operationId', 'appliedAt', 'expiresAt', 'until'])} empty="No measure in force." />}
        />
      </div>
      <div className="grid two">
        <AuditStatus spec={spec} />
        <Transparency spec={spec} />
      </div>
    </div>
  );
}

/** operations waiting for a decision, or approvals (of acquisition) to decide, with their evidence */
function Decisions({ spec, member, kind }: { spec: Spec; member: boolean; kind: 'operation' | 'approval' }) {
  const [picked, setPicked] = useState<Row | null>(null);
  const [version, setVersion] = useState(0);
  const listPatterns = kind === 'operation' ? [/^\/api\/v1\/operations$/] : [/^\/api\/v1\/approvals$/, /^\/api\/v1\/selection\/approvals$/];
  const decidePatterns =
    kind === 'operation'
      ? [/^\/api\/v1\/operations\/\{\w+\}\/(decision|decide|decisions)$/]
      : [/^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/(decision|decide|decisions)$/];
  const decide = spec.find('POST', ...decidePatterns);
  const one = spec.find('GET', kind === 'operation' ? /^\/api\/v1\/operations\/\{\w+\}$/ : /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}$/);
  const id = picked ? String(picked.id ?? '') : '';
  const full = useLoad<Row>(one && id ? fill(one.path, { [/\{(\w+)\}/.exec(one.path)?.[1] ?? 'id']: id }) : null);
  const detail = full.data ?? picked;
  const title = kind === 'operation' ? 'Operations to decide' : 'Approvals of acquisition';
  return (
    <ApiList
      key={version}
      spec={spec}
      title={title}
      what={kind === 'operation' ? 'operations' : 'approvals'}
      patterns={listPatterns}
      expected={kind === 'operation' ? 'GET /api/v1/operations' : 'GET /api/v1/approvals'}
      render={(rows) => {
        const sorted = [...rows].sort((a, b) => Number(PENDING.test(String(b.state ?? b.status ?? ''))) - Number(PENDING.test(String(a.state ?? a.status ?? ''))));
        return (
          <>
            <DataTable
              caption={title}
              rows={sorted}
              columns={present(rows, kind === 'approval' ? ['id', 'category', 'carriers', 'status', 'start', 'end'] : ['title', 'name', 'state', 'status', 'target', 'requestedAt', 'expiresAt', 'updatedAt'])}
              picked={picked?.id}
              onPick={setPicked}
              cell={(k, r) => (k === 'state' || k === 'status' ? <span className={PENDING.test(String(r[k])) ? 'badge pending' : 'badge'}>{fmt(r[k])}</span> : undefined)}
              empty={kind === 'operation' ? 'No operation.' : 'No approval.'}
            />
            {detail ? (
              <div className="detail" aria-label={`The ${kind} chosen`}>
                <h3>{String(detail.title ?? detail.name ?? detail.id)}</h3>
                <ErrorNote error={full.error} />
                <dl className="facts">
                  {Object.entries(detail)
                    .filter(([, v]) => v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')))
                    .slice(0, 14)
                    .map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{fmt(v)}</dd>
                      </div>
                    ))}
                </dl>
                {Object.entries(detail)
                  .filter(([, v]) => v !== null && typeof v === 'object' && (!Array.isArray(v) || v.some((x) => x !== null && typeof x === 'object')))
                  .map(([k, v]) =>
                    Array.isArray(v) ? (
                      <div key={k}>
                        <h4>
                          {label(k)} ({v.length})
                        </h4>
                        <DataTable caption={label(k)} rows={(v as Row[]).slice(0, 200).map((x, i) => ({ id: i, ...x }))} columns={columnsOf(v as Row[], 6)} />
                      </div>
                    ) : (
                      <details key={k}>
                        <summary>{label(k)}</summary>
                        <pre className="json">{JSON.stringify(v, null, 1).slice(0, 2000)}</pre>
                      </details>
                    ),
                  )}
                {kind === 'approval' && member ? <SelectedFlows spec={spec} id={id} /> : null}
                {member && kind === 'approval' && /approved/i.test(String(detail.status ?? '')) && spec.find('POST', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/end$/) ? (
                  <details className="form-box">
                    <summary>End this approval now</summary>
                    <ApiAction
                      key={`end-${id}`}
                      spec={spec}
                      patterns={[/^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/end$/]}
                      params={{ id }}
                      what="ending approvals"
                      expected="POST /api/v1/approvals/{id}/end"
                      submitLabel="End approval"
                      onDone={() => {
                        setPicked(null);
                        setVersion((v) => v + 1);
                      }}
                    />
                  </details>
                ) : null}
                {member && !PENDING.test(String(detail.state ?? detail.status ?? 'pending')) ? (
                  <p className="small muted">Decided: {fmt(detail.state ?? detail.status)}.</p>
                ) : member ? (
                  decide ? (
                    <ApiAction
                      key={id}
                      spec={spec}
                      patterns={decidePatterns}
                      params={{ [/\{(\w+)\}/.exec(decide.path)?.[1] ?? 'id']: id }}
                      what="decisions"
                      expected={decide.path}
                      submitLabel="Record decision"
                      onDone={() => {
                        setPicked(null);
                        setVersion((v) => v + 1);
                      }}
                    />
                  ) : (
                    <NotAvailable what={`decisions on ${kind}s`} expected={`POST …/${kind}s/{id}/decision`} />
                  )
                ) : (
                  <p className="muted small">Auditors read; only commission members decide.</p>
                )}
              </div>
            ) : null}
          </>
        );
      }}
    />
  );
}

/** inspection: the flows selected under an approval (a member may see every one; the read is audited) */
function SelectedFlows({ spec, id }: { spec: Spec; id: string }) {
  const route = spec.find('GET', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/flows$/);
  const [open, setOpen] = useState(false);
  const flows = useLoad<unknown>(open && route ? fill(route.path, { [/\{(\w+)\}/.exec(route.path)?.[1] ?? 'id']: id }) : null);
  if (!route) return null;
  const rows = rowsOf(flows.data);
  return (
    <details className="form-box" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Inspect the flows selected under this approval</summary>
      <p className="small muted">Opening this is recorded in the audit log.</p>
      <ErrorNote error={flows.error} />
      {flows.data !== null ? <DataTable caption="Selected flows" rows={rows.slice(0, 200)} empty="No flow was selected under this approval." /> : open ? <p className="muted">Loading…</p> : null}
    </details>
  );
}

function AuditStatus({ spec }: { spec: Spec }) {
  const verify = spec.find('GET', /^\/api\/v1\/(audit|oversight)\/(verify|verification|status)$/, /^\/api\/v1\/(audit|oversight)\/(tree-head|sth|checkpoint)s?$/);
  const status = useLoad<unknown>(verify?.path ?? null, 10_000);
  const recent = useLoad<Row[]>(spec.has('GET', '/api/v1/audit') ? '/api/v1/audit?limit=1000' : null);
  const rows = (recent.data ?? []).slice(-8).reverse();
  return (
    <Section title="Audit log">
      {verify ? (
        <div className="verify">
          <ErrorNote error={status.error} />
          <h3>Verification ({verify.path})</h3>
          {status.data !== null ? (
            <dl className="facts">
              {Object.entries(status.data as Row)
                .filter(([, v]) => v === null || typeof v !== 'object')
                .map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd className={k === 'ok' || k === 'valid' || k === 'verified' ? (v ? 'good' : 'bad') : undefined}>{fmt(v)}</dd>
                  </div>
                ))}
            </dl>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </div>
      ) : (
        <NotAvailable what="the audit log's verification status (signed tree heads, proofs)" expected="GET /api/v1/audit/verify or /api/v1/audit/tree-head" />
      )}
      <h3>Latest entries</h3>
      {!spec.has('GET', '/api/v1/audit') ? (
        <NotAvailable what="the audit log" expected="GET /api/v1/audit" />
      ) : (
        <>
          <ErrorNote error={recent.error} />
          <DataTable caption="Latest audit entries" rows={rows} columns={['seq', 'at', 'action', 'targetType', 'targetId']} empty="No entries." />
        </>
      )}
    </Section>
  );
}

function Transparency({ spec }: { spec: Spec }) {
  const route = spec.find('GET', /^\/api\/v1\/(oversight\/)?transparency/, /^\/api\/v1\/statistics$/);
  const data = useLoad<unknown>(route?.path ?? null);
  const option = useMemo<ChartOption | null>(() => {
    const d = data.data;
    if (!d || typeof d !== 'object') return null;
    const totals: Record<string, number> = {};
    const visit = (v: unknown, depth: number) => {
      if (depth > 4 || !v || typeof v !== 'object') return;
      if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'number' && /received|scope|selected|discarded|purged|granted|refused|operations|measures/i.test(k)) totals[k] = (totals[k] ?? 0) + x;
        else visit(x, depth + 1);
      }
    };
    visit(d, 0);
    const keys = Object.keys(totals);
    if (!keys.length) return null;
    return {
      tooltip: {},
      grid: { left: 70, right: 12, top: 16, bottom: 60 },
      xAxis: { type: 'category', data: keys, axisLabel: { rotate: 30 } },
      yAxis: { type: 'log' },
      series: [{ type: 'bar', data: keys.map((k) => Math.max(1, totals[k] ?? 0)) }],
    };
  }, [data.data]);
  return (
    <Section title="Transparency report">
      {!route ? (
        <NotAvailable what="the transparency report" expected="GET /api/v1/transparency" />
      ) : (
        <>
          <ErrorNote error={data.error} />
          {option ? <Chart label="Transparency report: counts for the period" option={option} height={220} /> : null}
          {data.data !== null ? <pre className="json">{JSON.stringify(data.data, null, 1).slice(0, 1500)}</pre> : <p className="muted">Loading…</p>}
          <p className="small muted">Counts only, never addresses.</p>
        </>
      )}
    </Section>
  );
}
