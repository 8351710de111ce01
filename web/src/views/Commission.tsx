/** The oversight commission (and auditors): decisions, emergencies, measures, the audit log, transparency. */
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, fill, rowsOf, type Me, type Spec } from '../api.js';
import { checkEntries, unb64, verifyNote, type LoggedEntry } from '../merkle.js';
import { Chart, type ChartOption } from '../chart.js';
import { ApiList, DataTable, ErrorNote, NotAvailable, Section, columnsOf, fmt, fmtCell, label, useLoad } from '../ui.js';
import { Deadline, present } from './Operator.js';
import { subscribeChanges } from '../changes.js';
import { ApprovalsPanel } from './Approvals.js';
import { CheckpointCheck } from './Checkpoint.js';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;

const PENDING = /request|pending|await|submitted|proposed/i;

export function CommissionView({ me, spec }: { me: Me; spec: Spec }) {
  const member = me.roles.includes('commission_member');
  return (
    <div className="stack">
      <div className="grid two">
        <ApprovalsPanel spec={spec} member={member} />
        <Decisions spec={spec} member={member} kind="operation" />
      </div>
      <div className="grid two">
        <Emergencies spec={spec} />
        <Measures spec={spec} />
      </div>
      <div className="grid two">
        <AuditStatus spec={spec} member={member} />
        <Transparency spec={spec} />
      </div>
      {spec.has('GET', '/api/v1/audit-log/checkpoint') ? <CheckpointCheck /> : null}
      <AuditSearch spec={spec} />
    </div>
  );
}

/** emergencies: the server's own list where it has one, else the operations on the emergency path */
function Emergencies({ spec }: { spec: Spec }) {
  const own = spec.find('GET', /^\/api\/v1\/(operations\/)?emergenc/, /^\/api\/v1\/oversight\/emergenc/);
  const ops = spec.find('GET', /^\/api\/v1\/operations$/);
  const loaded = useLoad<unknown>(own?.path ?? ops?.path ?? null, 10_000);
  const rows = rowsOf(loaded.data).filter((r) => own || r.emergency === true);
  return (
    <Section title="Emergency notifications">
      {!own && !ops ? (
        <NotAvailable what="emergency notifications" expected="GET /api/v1/operations (emergencies) or GET /api/v1/operations/emergencies" />
      ) : (
        <>
          <ErrorNote error={loaded.error} />
          <DataTable
            caption="Emergencies"
            rows={rows}
            columns={present(rows, ['title', 'state', 'notifyDeadline', 'notifiedAt', 'updatedAt'])}
            cell={(k, r) => (k === 'notifyDeadline' && !r.notifiedAt ? <Deadline at={r[k]} /> : undefined)}
            empty="No emergency: no measure was taken before a decision."
          />
          <p className="small muted">{i18n.t('Measures taken first in an emergency must be notified to the commission in time, then ratified or ordered lifted (decide them above).')}</p>
        </>
      )}
    </Section>
  );
}

/** the measures in force: the server's list, or its blocklist (CSV) of what is in force */
function Measures({ spec }: { spec: Spec }) {
  const own = spec.find('GET', /^\/api\/v1\/measures$/, /^\/api\/v1\/operations\/measures$/);
  const blocklist = spec.find('GET', /^\/api\/v1\/blocklist$/);
  const listed = useLoad<unknown>(own?.path ?? null, 10_000);
  const [csv, setCsv] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (own || !blocklist) return;
    let live = true;
    const load = () =>
      fetch(`${blocklist.path}?format=csv`, { credentials: 'same-origin' })
        .then(async (r) => {
          if (!r.ok) throw new Error(`GET ${blocklist.path} answered ${r.status}`);
          if (live) setCsv(parseCsv(await r.text()));
        })
        .catch((e: unknown) => live && setError(e));
    void load();
    // re-read when an operation or measure changed, not on a timer (each read is audited)
    const stop = subscribeChanges(blocklist.path, 10_000, () => void load());
    return () => {
      live = false;
      stop();
    };
  }, [own, blocklist]);
  const rows = own ? rowsOf(listed.data) : (csv ?? []);
  return (
    <Section title="Measures in force">
      {!own && !blocklist ? (
        <NotAvailable what="measures in force" expected="GET /api/v1/measures or GET /api/v1/blocklist" />
      ) : (
        <>
          <ErrorNote error={listed.error ?? error} />
          <DataTable caption="Measures in force" rows={rows.map((r, i) => ({ id: i, ...r }))} columns={columnsOf(rows, 6)} empty="No measure in force." />
          {blocklist ? (
            <p className="small">
              {i18n.t('As served to operators:')} <a href={`${blocklist.path}?format=txt`}>{i18n.t('text')}</a> · <a href={`${blocklist.path}?format=csv`}>CSV</a> · <a href={`${blocklist.path}?format=stix`}>STIX 2.1</a>
            </p>
          ) : null}
        </>
      )}
    </Section>
  );
}

/** CSV with a header line (RFC 4180 quoting) into rows */
export function parseCsv(text: string): Row[] {
  const lines: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((x) => x !== '')) lines.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    lines.push(row);
  }
  const [head, ...body] = lines;
  if (!head) return [];
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

/** an answer shaped {operation: {...}, links, transitions, ...} shown as one record */
export function flatten(r: Row | null): Row | null {
  if (!r || !r.operation || typeof r.operation !== 'object' || Array.isArray(r.operation)) return r;
  const { operation, ...rest } = r;
  return { ...(operation as Row), ...rest };
}

/** operations waiting for a decision, with their evidence (approvals of acquisition: ApprovalsPanel in Approvals.tsx) */
function Decisions({ spec, member, kind }: { spec: Spec; member: boolean; kind: 'operation' }) {
  const [picked, setPicked] = useState<Row | null>(null);
  const [version, setVersion] = useState(0);
  const listPatterns = [/^\/api\/v1\/operations$/];
  const decidePatterns = [/^\/api\/v1\/operations\/\{\w+\}\/(decision|decide|decisions)$/, /^\/api\/v1\/operations\/\{\w+\}\/(actions|transitions)$/];
  const decide = spec.find('POST', ...decidePatterns);
  const one = spec.find('GET', /^\/api\/v1\/operations\/\{\w+\}$/);
  const id = picked ? String(picked.id ?? '') : '';
  const full = useLoad<Row>(one && id ? fill(one.path, { [/\{(\w+)\}/.exec(one.path)?.[1] ?? 'id']: id }) : null);
  const detail = flatten(full.data ?? picked);
  const title = 'Operations to decide';
  return (
    <ApiList
      key={version}
      spec={spec}
      title={title}
      what="operations"
      patterns={listPatterns}
      expected="GET /api/v1/operations"
      render={(rows) => {
        const sorted = [...rows].sort((a, b) => Number(PENDING.test(String(b.state ?? b.status ?? ''))) - Number(PENDING.test(String(a.state ?? a.status ?? ''))));
        return (
          <>
            <DataTable
              caption={title}
              rows={sorted}
              columns={present(rows, ['title', 'state', 'serious', 'emergency', 'abroad', 'notifyDeadline', 'updatedAt'])}
              picked={picked?.id}
              onPick={setPicked}
              cell={(k, r) => (k === 'state' || k === 'status' ? <span className={PENDING.test(String(r[k])) ? 'badge pending' : 'badge'}>{fmt(r[k])}</span> : undefined)}
              empty="No operation."
            />
            {detail ? (
              <div className="detail" aria-label={i18n.t('The operation chosen')}>
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
                {member && !PENDING.test(String(detail.state ?? detail.status ?? 'pending')) ? (
                  <p className="small muted">{i18n.t('Decided: {{state}}.', { state: fmtCell(detail.state ?? detail.status) })}</p>
                ) : member ? (
                  decide ? (
                    <OperationDecision
                      key={id}
                      path={fill(decide.path, { [/\{(\w+)\}/.exec(decide.path)?.[1] ?? 'id']: id })}
                      state={String(detail.state ?? '')}
                      onDone={() => {
                        setPicked(null);
                        setVersion((v) => v + 1);
                      }}
                    />
                  ) : (
                    <NotAvailable what={`decisions on ${kind}s`} expected={`POST …/${kind}s/{id}/decision`} />
                  )
                ) : (
                  <p className="muted small">{i18n.t('Auditors read; only commission members decide.')}</p>
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
export function SelectedFlows({ spec, id }: { spec: Spec; id: string }) {
  const route = spec.find('GET', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/flows$/);
  const [open, setOpen] = useState(false);
  const flows = useLoad<unknown>(open && route ? fill(route.path, { [/\{(\w+)\}/.exec(route.path)?.[1] ?? 'id']: id }) : null);
  if (!route) return null;
  const rows = rowsOf(flows.data);
  return (
    <details className="form-box" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{i18n.t('Inspect the flows selected under this approval')}</summary>
      <p className="small muted">{i18n.t('Opening this is recorded in the audit log.')}</p>
      <ErrorNote error={flows.error} />
      {flows.data !== null ? <DataTable caption="Selected flows" rows={rows.slice(0, 200)} empty="No flow was selected under this approval." /> : open ? <p className="muted">{i18n.t('Loading…')}</p> : null}
    </details>
  );
}

/** the audit log: its latest signed tree head, checked here in the browser, and the latest entries */
function AuditStatus({ spec, member }: { spec: Spec; member: boolean }) {
  const entriesRoute = spec.find('GET', /^\/api\/v1\/audit-log\/entries$/);
  const keyRoute = spec.find('GET', /^\/api\/v1\/audit-log\/public-key$/);
  const signRoute = spec.find('POST', /^\/api\/v1\/audit-log\/heads$/);
  const [check, setCheck] = useState<{ head: Row | null; counts: Record<string, number>; signature: boolean | null; checked: number; at: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const verify = useCallback(async () => {
    if (!entriesRoute) return;
    setBusy(true);
    setError(null);
    try {
      // the newest entries (up to 1000), each with its proof against the latest signed head
      let afterLeaf = -1;
      let head: Row | null = null;
      const all: LoggedEntry[] = [];
      for (let page = 0; page < 50; page++) {
        const r = await api<{ head: Row | null; entries: LoggedEntry[] }>('GET', `${entriesRoute.path}?afterLeaf=${afterLeaf}&limit=200`);
        head = r.head;
        all.push(...r.entries);
        if (r.entries.length < 200) break;
        afterLeaf = r.entries[r.entries.length - 1]!.leafIndex;
      }
      const counts: Record<string, number> = { ok: 0, pending: 0, 'bad-leaf': 0, 'bad-proof': 0 };
      if (head) for (const c of await checkEntries(all, String(head.rootHash))) counts[c.result] = (counts[c.result] ?? 0) + 1;
      let signature: boolean | null = null;
      if (head && keyRoute) {
        const key = await api<{ raw: string }>('GET', keyRoute.path);
        signature = await verifyNote(String(head.checkpoint), unb64(key.raw));
      }
      setCheck({ head, counts, signature, checked: all.length, at: new Date().toISOString() });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, [entriesRoute, keyRoute]);

  useEffect(() => {
    void verify();
  }, [verify]);

  const bad = check ? (check.counts['bad-leaf'] ?? 0) + (check.counts['bad-proof'] ?? 0) : 0;
  return (
    <Section title="Audit log">
      {!entriesRoute ? (
        <NotAvailable what="the audit log's signed tree heads and proofs" expected="GET /api/v1/audit-log/entries" />
      ) : (
        <div className="verify" aria-live="polite">
          <ErrorNote error={error} />
          {check === null ? (
            <p className="muted">{i18n.t('Checking…')}</p>
          ) : !check.head ? (
            <p className="not-available" role="status">
              {i18n.t('No tree head has been signed yet: there is nothing to verify against.')}
            </p>
          ) : (
            <>
              <p className={bad === 0 && check.signature !== false ? 'good' : 'bad'} role="status">
                {bad === 0 && check.signature !== false
                  ? i18n.t('Verified in this browser: {{ok}} entries are in the signed tree of {{size}}', { ok: check.counts.ok, size: fmt(check.head.treeSize) })
                  : i18n.t('Verification FAILED: {{bad}} entries do not match the signed tree', { bad }) + (check.signature === false ? i18n.t('; the tree head signature is wrong') : '')}
                {check.counts.pending ? i18n.t('; {{count}} newer entries await the next head', { count: check.counts.pending }) : ''}.
              </p>
              <dl className="facts">
                <div>
                  <dt>{i18n.t('Tree size')}</dt>
                  <dd>{fmt(check.head.treeSize)}</dd>
                </div>
                <div>
                  <dt>{i18n.t('Signed at')}</dt>
                  <dd>{fmt(check.head.timestamp)}</dd>
                </div>
                <div>
                  <dt>{i18n.t('Root hash')}</dt>
                  <dd>
                    <code>{String(check.head.rootHash)}</code>
                  </dd>
                </div>
                <div>
                  <dt>{i18n.t('Ed25519 signature')}</dt>
                  <dd className={check.signature === false ? 'bad' : check.signature ? 'good' : undefined}>{check.signature === null ? i18n.t('not checked (no Ed25519 in this browser)') : check.signature ? i18n.t('valid') : i18n.t('INVALID')}</dd>
                </div>
              </dl>
              <p className="small muted">
                {i18n.t("Leaf hashes recomputed from each entry's canonical JSON and inclusion proofs checked against the root (RFC 9162), {{count}} entries, at {{at}}. For the whole log:", { count: check.checked, at: fmt(check.at) })} <code>acd audit verify</code>.
              </p>
            </>
          )}
          <div className="buttons">
            <button type="button" onClick={() => void verify()} disabled={busy}>
              {busy ? i18n.t('Checking…') : i18n.t('Check again')}
            </button>
            {member && signRoute ? (
              <button
                type="button"
                disabled={busy}
                onClick={() => {
                  setBusy(true);
                  api('POST', signRoute.path)
                    .then(() => verify())
                    .catch((e: unknown) => {
                      setError(e);
                      setBusy(false);
                    });
                }}
              >
                {i18n.t('Sign a tree head now')}
              </button>
            ) : null}
          </div>
        </div>
      )}
    </Section>
  );
}

/**
 * The audit trail searched by action, actor, target and time, newest first, a page at a time. It reads
 * when the person searches or pages (each search is an audited read), never on a timer.
 */
function AuditSearch({ spec }: { spec: Spec }) {
  const { t } = useTranslation();
  const route = spec.find('GET', /^\/api\/v1\/audit\/search$/);
  const [filters, setFilters] = useState({ action: '', actor: '', targetType: '', targetId: '', from: '', to: '' });
  // the beforeSeq of each page shown so far (null: the newest)
  const [pages, setPages] = useState<Array<number | null>>([null]);
  const [applied, setApplied] = useState(filters);
  const query = useMemo(() => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(applied)) {
      if (!v) continue;
      q.set(k, k === 'from' || k === 'to' ? new Date(v).toISOString() : v);
    }
    const before = pages[pages.length - 1];
    if (before) q.set('beforeSeq', String(before));
    q.set('limit', '25');
    return q.toString();
  }, [applied, pages]);
  const found = useLoad<{ entries: Row[]; nextBeforeSeq: number | null }>(route ? `${route.path}?${query}` : null);
  const set = (k: keyof typeof filters) => (e: React.ChangeEvent<HTMLInputElement>) => setFilters((f) => ({ ...f, [k]: e.target.value }));
  const fields: Array<[keyof typeof filters, string, string]> = [
    ['action', t('Action (e.g. report.* )'), 'text'],
    ['actor', t('Actor (username)'), 'text'],
    ['targetType', t('Target type'), 'text'],
    ['targetId', t('Target id'), 'text'],
    ['from', t('From'), 'datetime-local'],
    ['to', t('To'), 'datetime-local'],
  ];
  return (
    <Section title="Search the audit log">
      {!route ? (
        <NotAvailable what="the audit log" expected="GET /api/v1/audit/search" />
      ) : (
        <>
          <form
            className="filters"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied(filters);
              setPages([null]);
            }}
          >
            {fields.map(([k, name, type]) => (
              <div className="field" key={k}>
                <label htmlFor={`audit-${k}`}>{name}</label>
                <input id={`audit-${k}`} type={type} value={filters[k]} onChange={set(k)} autoComplete="off" />
              </div>
            ))}
            <button type="submit">{t('Search')}</button>
          </form>
          <ErrorNote error={found.error} />
          {found.data === null && !found.error ? <p className="muted">{t('Loading…')}</p> : null}
          {found.data ? (
            <>
              <p className="small muted" aria-live="polite">
                {t('Page {{page}}', { page: pages.length })}
              </p>
              <DataTable caption="Audit entries found" rows={found.data.entries} columns={['seq', 'at', 'actorUsername', 'action', 'targetType', 'targetId']} empty="No entry matches." />
              <div className="buttons">
                {pages.length > 1 ? (
                  <button type="button" onClick={() => setPages([null])}>
                    {t('Newest entries')}
                  </button>
                ) : null}
                {found.data.nextBeforeSeq ? (
                  <button type="button" onClick={() => setPages((p) => [...p, found.data!.nextBeforeSeq])}>
                    {t('Older entries')}
                  </button>
                ) : null}
              </div>
            </>
          ) : null}
        </>
      )}
    </Section>
  );
}

function Transparency({ spec }: { spec: Spec }) {
  const route = spec.find('GET', /^\/api\/v1\/(oversight\/)?transparency/, /^\/api\/v1\/statistics$/);
  const data = useLoad<Row>(route?.path ?? null);
  const d = data.data;
  const audit = Array.isArray(d?.audit) ? (d.audit as Row[]) : [];
  const gate = Array.isArray(d?.gate) ? (d.gate as Row[]) : [];
  const option = useMemo<ChartOption | null>(() => {
    const totals = new Map<string, number>();
    for (const r of audit) totals.set(String(r.action), (totals.get(String(r.action)) ?? 0) + Number(r.count ?? 0));
    if (!totals.size) return null;
    const keys = [...totals.keys()].sort((a, b) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0));
    return {
      tooltip: {},
      grid: { left: 150, right: 16, top: 8, bottom: 24 },
      yAxis: { type: 'category', data: keys },
      xAxis: { type: 'value' },
      series: [{ type: 'bar', data: keys.map((k) => totals.get(k) ?? 0) }],
    };
  }, [audit]);
  return (
    <Section title="Transparency report">
      {!route ? (
        <NotAvailable what="the transparency report" expected="GET /api/v1/transparency" />
      ) : (
        <>
          <ErrorNote error={data.error} />
          {d === null ? (
            <p className="muted">{i18n.t('Loading…')}</p>
          ) : (
            <>
              <p className="small">
                {i18n.t('From {{from}} to {{to}}, per {{period}}.', { from: fmt(d.from), to: fmt(d.to), period: fmtCell(d.period) })} <a href={`${route.path}?format=csv`}>{i18n.t('Download as CSV')}</a>
              </p>
              <h3>{i18n.t('Actions recorded in the audit log')}</h3>
              {option ? <Chart label="Transparency report: actions recorded in the audit log over the period" option={option} height={Math.max(160, 22 * new Set(audit.map((r) => r.action)).size)} /> : <p className="muted">{i18n.t('No action recorded in the period.')}</p>}
              <h3>{i18n.t('The gate: flows received, out of scope, selected, discarded')}</h3>
              <DataTable caption="Gate counts for the period" rows={gate.map((r, i) => ({ id: i, ...r }))} empty="No gate counts for the period yet." />
            </>
          )}
          <p className="small muted">{i18n.t('Counts only, never addresses.')}</p>
        </>
      )}
    </Section>
  );
}

/** a datetime-local value for a moment (the viewer's zone) */
function localInput(ms: number): string {
  const d = new Date(ms);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/**
 * The commission's decision on an operation (#22): approving or ratifying needs conditions and an expiry
 * (both marked required); rejecting or ordering a lift needs a reason. Only the decisions the operation's
 * state allows are offered.
 */
export function OperationDecision({ path, state, onDone }: { path: string; state: string; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const choices = state === 'commission_notified' ? (['ratify', 'order_lift'] as const) : (['approve', 'reject'] as const);
  const [decision, setDecision] = useState('');
  const [conditions, setConditions] = useState('');
  const [expires, setExpires] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const grants = decision === 'approve' || decision === 'ratify';
  return (
    <form
      className="schema-form"
      aria-label={t("The commission's decision")}
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        const body: Row = { decision };
        if (grants) {
          const at = new Date(expires);
          if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) return setError(new Error(t('Expires at: a moment in the future.')));
          body.conditions = conditions.trim();
          body.expiresAt = at.toISOString();
          if (reason.trim()) body.reason = reason.trim();
        } else body.reason = reason.trim();
        setBusy(true);
        api('POST', path, body)
          .then(onDone)
          .catch(setError)
          .finally(() => setBusy(false));
      }}
    >
      <p className="required-note">{t('Fields marked * are required.')}</p>
      <div className="field">
        <label htmlFor={`${f}-d`}>{t('Decision')} *</label>
        <select id={`${f}-d`} required value={decision} onChange={(e) => setDecision(e.target.value)}>
          <option value="">{t('choose…')}</option>
          {choices.map((c) => (
            <option key={c} value={c}>
              {t(`decision:${c}`)}
            </option>
          ))}
        </select>
      </div>
      {grants ? (
        <>
          <div className="field">
            <label htmlFor={`${f}-c`}>{t('Conditions')} *</label>
            <textarea id={`${f}-c`} required rows={2} maxLength={4000} value={conditions} onChange={(e) => setConditions(e.target.value)} placeholder={t("the commission's conditions, or 'none'")} />
          </div>
          <div className="field">
            <label htmlFor={`${f}-x`}>{t('Expires at')} *</label>
            <input id={`${f}-x`} type="datetime-local" required min={localInput(Date.now())} value={expires} onChange={(e) => setExpires(e.target.value)} aria-describedby={`${f}-x-hint`} />
            <span className="hint" id={`${f}-x-hint`}>
              {t('The measures are lifted by ACD itself when the decision expires.')}
            </span>
          </div>
        </>
      ) : null}
      {decision ? (
        <div className="field">
          <label htmlFor={`${f}-r`}>
            {t('Reason')}
            {grants ? '' : ' *'}
          </label>
          <textarea id={`${f}-r`} required={!grants} rows={2} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
      ) : null}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {busy ? t('Working…') : t('Record decision')}
      </button>
    </form>
  );
}
