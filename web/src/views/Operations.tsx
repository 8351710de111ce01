/**
 * Neutralisation operations for the agency and the executing organisation (#22): the analyst drafts one
 * from a finding, links evidence and plans its measures against the operation's own targets; the lead
 * records a council review where the case is serious, consults the foreign ministry for a server abroad
 * and requests the commission's approval; the executor executes, verifies and lifts. Each person is
 * offered only the steps the lifecycle gives its party in the operation's state (src/operations/states.ts);
 * the server decides, this view only leaves out forms it would refuse.
 */
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, rowsOf, type Me, type Spec } from '../api.js';
import { parseAddress } from '../cidr.js';
import { DataTable, ErrorNote, Section, fmt, fmtCell, label, useLoad } from '../ui.js';
import { byServer } from './Analyst.js';

type Row = Record<string, unknown>;

export const MEASURE_KINDS = ['rpz', 'bgp_blackhole', 'flowspec', 'blocklist', 'takedown'] as const;
type MeasureKind = (typeof MEASURE_KINDS)[number];
/** the kinds that act on an address only (a route is announced for a /32 or /128) */
const ADDRESS_ONLY: readonly MeasureKind[] = ['bgp_blackhole', 'flowspec'];

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

export interface Party {
  analyst: boolean;
  lead: boolean;
  executor: boolean;
}

/** the parties of the lifecycle this person is (the server's rule; shown here only to leave out refused forms) */
export function partyOf(me: Me): Party {
  return {
    analyst: me.orgKind === 'agency' && me.roles.includes('agency_analyst'),
    lead: me.orgKind === 'agency' && me.roles.includes('agency_lead'),
    executor: me.orgKind === 'executor',
  };
}

interface Targets {
  addresses: string[];
  domains: string[];
}

/** the targets typed in the draft form, checked as the server checks them; the problems name the field and line */
export function checkTargets(addresses: string, domains: string): { targets: Targets; problems: string[] } {
  const problems: string[] = [];
  const a = addresses.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
  const d = domains.split(/[\s,]+/).map((x) => x.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean);
  a.forEach((x, i) => {
    if (!parseAddress(x)) problems.push(`addresses[${i + 1}]: "${x}"`);
  });
  d.forEach((x, i) => {
    if (!DOMAIN.test(x)) problems.push(`domains[${i + 1}]: "${x}"`);
  });
  return { targets: { addresses: [...new Set(a)], domains: [...new Set(d)] }, problems };
}

/** the operation's targets a measure of this kind may act on */
export function targetsFor(kind: MeasureKind, targets: Targets): string[] {
  return ADDRESS_ONLY.includes(kind) ? targets.addresses : [...targets.addresses, ...targets.domains];
}

export function OperationsView({ me, spec }: { me: Me; spec: Spec }) {
  const { t } = useTranslation();
  const party = partyOf(me);
  const [picked, setPicked] = useState<string | null>(null);
  const list = useLoad<unknown>('/api/v1/operations', 5000);
  const rows = rowsOf(list.data);
  return (
    <div className="stack">
      <div className="grid two">
        <Section title="Operations">
          <ErrorNote error={list.error} />
          {list.data === null && !list.error ? <p className="muted">{t('Loading…')}</p> : null}
          {list.data !== null ? (
            <DataTable
              caption="Operations"
              rows={rows}
              columns={['title', 'state', 'serious', 'emergency', 'abroad', 'updatedAt']}
              picked={picked ?? undefined}
              onPick={(r) => setPicked(String(r.id))}
              cell={(k, r) => (k === 'state' ? <span className="badge">{fmtCell(r.state)}</span> : undefined)}
              empty="No operation yet."
            />
          ) : null}
        </Section>
        {party.analyst ? (
          <DraftOperation
            onDone={(id) => {
              setPicked(id);
              list.reload();
            }}
          />
        ) : (
          <Section title="Who does what">
            <p className="muted">{t('Analysts draft operations and plan their measures; the lead requests the commission\'s approval; the executing organisation executes, verifies and lifts the measures.')}</p>
          </Section>
        )}
      </div>
      {picked ? <OperationDetail key={picked} id={picked} party={party} spec={spec} onChanged={list.reload} /> : null}
    </div>
  );
}

// ---- drafting (analysts) ----

function DraftOperation({ onDone }: { onDone: (id: string) => void }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const findings = useLoad<unknown>('/api/v1/findings?limit=500');
  const servers = useMemo(() => byServer(rowsOf(findings.data)).filter((s) => s.external).slice(0, 50), [findings.data]);
  const [from, setFrom] = useState('');
  const [title, setTitle] = useState('');
  const [serious, setSerious] = useState(false);
  const [abroad, setAbroad] = useState(false);
  const [country, setCountry] = useState('');
  const [addresses, setAddresses] = useState('');
  const [domains, setDomains] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function pick(external: string) {
    setFrom(external);
    const s = servers.find((x) => x.external === external);
    if (!s) return;
    setTitle(t('Neutralise server {{address}} ({{types}})', { address: external, types: String(s.types) }));
    setAddresses(external);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const { targets, problems } = checkTargets(addresses, domains);
    if (problems.length) return setError(new Error(t('Not an address or domain: {{list}}', { list: problems.join(', ') })));
    if (targets.addresses.length + targets.domains.length === 0) return setError(new Error(t('targets: name at least one server address or domain')));
    if (country && !/^[A-Z]{2}$/.test(country)) return setError(new Error(t('country: two capital letters (ISO 3166), e.g. NL')));
    setBusy(true);
    try {
      const body: Row = { title: title.trim(), serious, abroad, targets };
      if (country) body.country = country;
      const op = await api<Row>('POST', '/api/v1/operations', body);
      // the findings about the server go with the draft as its evidence
      const keys = from ? rowsOf(findings.data).filter((r) => r.external === from).sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0)).map((r) => String(r.key)).slice(0, 50) : [];
      let linked = 0;
      for (const k of keys) {
        await api('POST', `/api/v1/operations/${encodeURIComponent(String(op.id))}/links`, { kind: 'finding', ref: k, note: t('finding about {{address}}', { address: from }) });
        linked++;
      }
      setDone(t('Operation "{{title}}" drafted; {{count}} findings linked as its evidence.', { title: String(op.title), count: linked }));
      setFrom('');
      setTitle('');
      setAddresses('');
      setDomains('');
      setSerious(false);
      setAbroad(false);
      setCountry('');
      onDone(String(op.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Draft an operation">
      {done ? <p role="status">{done}</p> : null}
      <form className="schema-form" aria-label={t('Draft an operation')} onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${f}-from`}>{t('From a finding')}</label>
          <select id={`${f}-from`} value={from} onChange={(e) => pick(e.target.value)} aria-describedby={`${f}-from-hint`}>
            <option value="">{t('choose…')}</option>
            {servers.map((s) => (
              <option key={String(s.external)} value={String(s.external)}>
                {`${String(s.external)} — ${String(s.types)} (${fmt(s.score)})`}
              </option>
            ))}
          </select>
          <span className="hint" id={`${f}-from-hint`}>
            {t('Fills the title and target; the findings about the server are linked as evidence.')}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${f}-title`}>{t('Title')} *</label>
          <input id={`${f}-title`} required maxLength={300} value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${f}-addr`}>{t('Server addresses')}</label>
          <textarea id={`${f}-addr`} rows={2} value={addresses} onChange={(e) => setAddresses(e.target.value)} aria-describedby={`${f}-t-hint`} />
        </div>
        <div className="field">
          <label htmlFor={`${f}-dom`}>{t('Domains')}</label>
          <textarea id={`${f}-dom`} rows={2} value={domains} onChange={(e) => setDomains(e.target.value)} aria-describedby={`${f}-t-hint`} />
          <span className="hint" id={`${f}-t-hint`}>
            {t('One per line; at least one address or domain. Measures act on these targets only.')}
          </span>
        </div>
        <div className="field">
          <label className="inline">
            <input type="checkbox" checked={serious} onChange={(e) => setSerious(e.target.checked)} /> {t('Serious case (the security council reviews it before the request)')}
          </label>
        </div>
        <div className="field">
          <label className="inline">
            <input type="checkbox" checked={abroad} onChange={(e) => setAbroad(e.target.checked)} /> {t('Server abroad (the foreign ministry is consulted before execution)')}
          </label>
        </div>
        <div className="field">
          <label htmlFor={`${f}-cc`}>{t('Country of the server')}</label>
          <input id={`${f}-cc`} maxLength={2} placeholder="NL" value={country} onChange={(e) => setCountry(e.target.value.toUpperCase())} />
        </div>
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {busy ? t('Working…') : t('Save draft')}
        </button>
      </form>
    </Section>
  );
}

// ---- one operation ----

interface Detail {
  operation: Row & { id: string; title: string; state: string; serious: boolean; emergency: boolean; abroad: boolean; targets: Targets };
  links: Row[];
  transitions: Row[];
  decisions: Row[];
  consultations: Row[];
  measures: Row[];
  notices: Row[];
}

/** who takes the next step from a state, in words */
function nextStep(t: (k: string) => string, state: string, serious: boolean): string {
  switch (state) {
    case 'draft':
      return t('An analyst links evidence, plans measures and assembles the evidence.');
    case 'evidence_assembled':
      return serious ? t('A serious case: the lead records the security council\'s review, then requests approval.') : t('The lead requests the commission\'s approval (or declares an emergency).');
    case 'council_review':
      return t('The lead requests the commission\'s approval.');
    case 'approval_requested':
      return t('The commission decides.');
    case 'approved':
    case 'emergency_declared':
      return t('The executing organisation executes the measures.');
    case 'measures_in_force':
      return t('Measures are in force: the executor verifies them and lifts them when done.');
    case 'lifted':
    case 'rejected':
      return t('The lead closes the operation.');
    default:
      return t('Nothing more is to be done.');
  }
}

function useAction(reload: () => void) {
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(fn: () => Promise<string>) {
    setError(null);
    setStatus(null);
    setBusy(true);
    try {
      setStatus(await fn());
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { error, status, busy, run };
}

function Box({ summary, open, children }: { summary: string; open?: boolean; children: ReactNode }) {
  return (
    <details className="form-box" open={open}>
      <summary>{summary}</summary>
      {children}
    </details>
  );
}

function OperationDetail({ id, party, spec, onChanged }: { id: string; party: Party; spec: Spec; onChanged: () => void }) {
  const { t } = useTranslation();
  const path = `/api/v1/operations/${encodeURIComponent(id)}`;
  const loaded = useLoad<Detail>(path);
  const reload = () => {
    loaded.reload();
    onChanged();
  };
  const act = useAction(reload);
  const d = loaded.data;
  void spec;
  if (!d) return <ErrorNote error={loaded.error} />;
  const op = d.operation;
  const state = op.state;
  const inForce = d.measures.filter((m) => m.state === 'applied');
  const hasForeign = d.consultations.some((c) => c.kind === 'foreign_ministry');
  const post = (p: string, body: unknown) => api<unknown>('POST', `${path}${p}`, body);
  const transition = (action: string, extra: Row = {}) => post('/transitions', { action, ...extra });

  return (
    <section className="card" aria-label={t('Operation: {{title}}', { title: op.title })}>
      <header className="card-head">
        <h2>{op.title}</h2>
        <span className="badge">{fmtCell(state)}</span>
      </header>
      <p role="note">{nextStep(t, state, op.serious)}</p>
      <dl className="facts">
        {(['state', 'serious', 'emergency', 'abroad', 'country', 'createdAt', 'notifyDeadline'] as const).map((k) => (
          <div key={k}>
            <dt>{label(k)}</dt>
            <dd>{k === 'state' ? fmtCell(op[k]) : fmt(op[k])}</dd>
          </div>
        ))}
        <div>
          <dt>{t('Targets')}</dt>
          <dd>{[...op.targets.addresses, ...op.targets.domains].join(', ')}</dd>
        </div>
      </dl>
      {act.status ? <p role="status">{act.status}</p> : null}
      <ErrorNote error={act.error} />

      <h3>{t('Evidence')}</h3>
      <DataTable caption="Evidence of the operation" rows={d.links.map((l, i) => ({ id: i, ...l }))} columns={['kind', 'ref', 'note', 'addedAt']} empty="No evidence linked yet." />
      {party.analyst && ['draft', 'evidence_assembled', 'council_review'].includes(state) ? <LinkEvidence busy={act.busy} onLink={(b) => act.run(async () => (await post('/links', b), t('Evidence linked.')))} /> : null}

      <h3>{t('Measures')}</h3>
      <DataTable
        caption="Measures of the operation"
        rows={d.measures}
        columns={['kind', 'target', 'params', 'state', 'appliedAt', 'verifiedOk', 'liftedAt']}
        cell={(k, r) => (k === 'kind' ? t(`measure:${String(r.kind)}`) : k === 'params' ? Object.entries((r.params ?? {}) as Row).map(([pk, pv]) => `${pk}=${String(pv)}`).join(', ') || '—' : undefined)}
        empty="No measure planned yet."
      />
      {party.analyst && ['draft', 'evidence_assembled', 'council_review'].includes(state) ? (
        <PlanMeasure targets={op.targets} busy={act.busy} onPlan={(b) => act.run(async () => (await post('/measures', b), t('Measure planned.')))} />
      ) : null}

      <h3>{t('Next steps')}</h3>
      <div className="stack">
        {party.analyst && state === 'draft' ? (
          <button type="button" disabled={act.busy || d.links.length === 0} onClick={() => void act.run(async () => (await transition('assemble_evidence'), t('Evidence assembled.')))}>
            {t('Assemble evidence')}
          </button>
        ) : null}
        {party.analyst && state === 'draft' && d.links.length === 0 ? <p className="muted small">{t('Link at least one finding, report or intelligence item first.')}</p> : null}

        {party.lead && state === 'evidence_assembled' ? (
          <Box summary={t('Record the security council\'s review')} open={op.serious}>
            <ConsultationForm submitLabel={t('Record review')} busy={act.busy} onSubmit={(c) => act.run(async () => (await transition('record_council_review', { council: c }), t('The council\'s review is recorded.')))} />
          </Box>
        ) : null}
        {party.lead && (state === 'council_review' || (state === 'evidence_assembled' && !op.serious)) ? (
          <RequestApproval measures={d.measures.length} busy={act.busy} onRequest={(reason) => act.run(async () => (await transition('request_approval', reason ? { reason } : {}), t('Approval requested: the commission decides.')))} />
        ) : null}
        {party.lead && state === 'evidence_assembled' && op.serious ? <p className="muted">{t('A serious case: the commission\'s approval is requested after the security council\'s review.')}</p> : null}
        {party.lead && ['evidence_assembled', 'council_review'].includes(state) ? (
          <Box summary={t('Declare an emergency')}>
            <ReasonForm label={t('Reason for the emergency')} submitLabel={t('Declare emergency')} busy={act.busy} onSubmit={(reason) => act.run(async () => (await transition('declare_emergency', { reason }), t('Emergency declared: the commission must be notified in time.')))} />
          </Box>
        ) : null}
        {party.lead && !['draft', 'closed', 'rejected', 'lifted'].includes(state) ? (
          <Box summary={hasForeign ? t('Foreign ministry consulted (record another consultation)') : t('Record the foreign ministry\'s consultation')} open={op.abroad && !hasForeign && ['approval_requested', 'approved'].includes(state)}>
            <ConsultationForm submitLabel={t('Record consultation')} busy={act.busy} onSubmit={(c) => act.run(async () => (await post('/consultations', c), t('The foreign ministry\'s consultation is recorded.')))} />
          </Box>
        ) : null}
        {party.lead && state === 'measures_in_force' && op.emergency ? (
          <button type="button" disabled={act.busy} onClick={() => void act.run(async () => (await transition('notify_commission'), t('The commission is notified.')))}>
            {t('Notify the commission')}
          </button>
        ) : null}

        {party.executor && ['approved', 'emergency_declared'].includes(state) ? (
          <Execute busy={act.busy} path={path} onExecute={() => act.run(async () => {
            const outcomes = (await post('/execute', {})) as Array<{ ok: boolean; error?: string }>;
            const failed = outcomes.filter((o) => !o.ok);
            return t('Executed: {{ok}} of {{all}} measures applied.', { ok: outcomes.length - failed.length, all: outcomes.length }) + (failed.length ? ` ${failed.map((o) => o.error).join('; ')}` : '');
          })} />
        ) : null}
        {(party.executor || party.lead) && inForce.length > 0 ? (
          <div className="stack">
            {inForce.map((m) => (
              <div key={String(m.id)} className="filters-inline">
                <span>
                  {t(`measure:${String(m.kind)}`)} · {String(m.target)}
                </span>
                <button type="button" className="secondary" disabled={act.busy} aria-label={t('Verify {{kind}} on {{target}}', { kind: t(`measure:${String(m.kind)}`), target: String(m.target) })} onClick={() => void act.run(async () => {
                  const v = await api<{ ok: boolean; detail: string }>('POST', `/api/v1/operation-measures/${encodeURIComponent(String(m.id))}/verify`, {});
                  return `${v.ok ? t('Verified: in place.') : t('Verification failed.')} ${v.detail}`;
                })}>
                  {t('Verify')}
                </button>
              </div>
            ))}
          </div>
        ) : null}
        {(party.executor || party.lead) && ['approved', 'measures_in_force', 'commission_notified', 'ratified', 'ordered_lifted', 'emergency_declared'].includes(state) ? (
          <Box summary={t('Lift the measures')}>
            <ReasonForm label={t('Reason for lifting')} submitLabel={t('Lift all measures')} busy={act.busy} onSubmit={(reason) => act.run(async () => (await post('/lift', { reason }), t('The measures are lifted.')))} />
          </Box>
        ) : null}
        {party.lead && ['lifted', 'rejected'].includes(state) ? (
          <Box summary={t('Close the operation')} open>
            <ReasonForm label={state === 'lifted' ? t('After-action report') : t('Note (optional)')} required={state === 'lifted'} submitLabel={t('Close')} busy={act.busy} onSubmit={(text) => act.run(async () => (await transition('close', state === 'lifted' ? { afterAction: text } : text ? { reason: text } : {}), t('The operation is closed.')))} />
          </Box>
        ) : null}
      </div>

      <h3>{t('History')}</h3>
      <DataTable caption="Steps taken" rows={d.transitions.map((x) => ({ id: x.seq, ...x }))} columns={['at', 'action', 'from', 'to', 'reason']} cell={(k, r) => (k === 'from' || k === 'to' ? fmtCell(r[k]) : undefined)} empty="No step taken yet." />
      <DataTable caption="Decisions of the commission" rows={d.decisions} columns={['kind', 'decidedAt', 'conditions', 'expiresAt', 'reason']} empty="No decision yet." />
      <DataTable caption="Consultations" rows={d.consultations} columns={['kind', 'body', 'outcome', 'consultedAt']} empty="No consultation recorded." />
    </section>
  );
}

function LinkEvidence({ busy, onLink }: { busy: boolean; onLink: (b: Row) => Promise<void> }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const [kind, setKind] = useState('finding');
  const [ref, setRef] = useState('');
  const [note, setNote] = useState('');
  return (
    <Box summary={t('Link evidence')}>
      <form
        className="schema-form"
        onSubmit={(e) => {
          e.preventDefault();
          void onLink({ kind, ref: ref.trim(), ...(note.trim() ? { note: note.trim() } : {}) }).then(() => setRef(''));
        }}
      >
        <div className="field">
          <label htmlFor={`${f}-k`}>{t('Kind of evidence')} *</label>
          <select id={`${f}-k`} value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="finding">{t('finding (its key)')}</option>
            <option value="report">{t('incident report (its id)')}</option>
            <option value="intel">{t('intelligence item (its id)')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${f}-r`}>{t('Reference')} *</label>
          <input id={`${f}-r`} required maxLength={500} value={ref} onChange={(e) => setRef(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${f}-n`}>{t('Note')}</label>
          <input id={`${f}-n`} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          {t('Link')}
        </button>
      </form>
    </Box>
  );
}

/** a measure against one of the operation's targets; the target list holds only those the kind can act on */
function PlanMeasure({ targets, busy, onPlan }: { targets: Targets; busy: boolean; onPlan: (b: Row) => Promise<void> }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const [kind, setKind] = useState<MeasureKind>('blocklist');
  const [target, setTarget] = useState('');
  const [rpzAction, setRpzAction] = useState('nxdomain');
  const [protocol, setProtocol] = useState('');
  const [port, setPort] = useState('');
  const [fsAction, setFsAction] = useState('discard');
  const [rate, setRate] = useState('');
  const [abuse, setAbuse] = useState('');
  const [network, setNetwork] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const allowed = targetsFor(kind, targets);
  const chosen = allowed.includes(target) ? target : (allowed[0] ?? '');

  function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    if (!chosen) return setProblem(t('This kind of measure acts on an address; the operation names none.'));
    const params: Row = {};
    if (kind === 'rpz') params.action = rpzAction;
    if (kind === 'flowspec') {
      if (protocol) params.protocol = protocol;
      if (port) {
        const n = Number(port);
        if (!Number.isInteger(n) || n < 1 || n > 65535) return setProblem(t('Port: an integer 1-65535'));
        if (protocol !== 'tcp' && protocol !== 'udp') return setProblem(t('Port: a port needs protocol TCP or UDP'));
        params.port = n;
      }
      params.action = fsAction;
      if (fsAction === 'rate-limit' && rate) {
        const n = Number(rate);
        if (!Number.isInteger(n) || n < 0) return setProblem(t('Rate: bytes per second, a whole number'));
        params.rate = n;
      }
    }
    if (kind === 'takedown') {
      if (!EMAIL.test(abuse)) return setProblem(t('Abuse contact: the hosting network\'s abuse e-mail address'));
      params.abuseContact = abuse;
      if (network.trim()) params.network = network.trim();
    }
    void onPlan({ kind, target: chosen, ...(Object.keys(params).length ? { params } : {}) });
  }

  return (
    <Box summary={t('Plan a measure')} open>
      <form className="schema-form" aria-label={t('Plan a measure')} onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${f}-k`}>{t('Kind of measure')} *</label>
          <select id={`${f}-k`} value={kind} onChange={(e) => setKind(e.target.value as MeasureKind)}>
            {MEASURE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`measure:${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${f}-t`}>{t('Target')} *</label>
          <select id={`${f}-t`} required value={chosen} onChange={(e) => setTarget(e.target.value)} aria-describedby={`${f}-t-hint`}>
            {allowed.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
          <span className="hint" id={`${f}-t-hint`}>
            {ADDRESS_ONLY.includes(kind) ? t('Only the operation\'s server addresses: a route is announced for one host.') : t('Only the operation\'s own targets.')}
          </span>
        </div>
        {kind === 'rpz' ? (
          <div className="field">
            <label htmlFor={`${f}-ra`}>{t('DNS answer')}</label>
            <select id={`${f}-ra`} value={rpzAction} onChange={(e) => setRpzAction(e.target.value)}>
              <option value="nxdomain">{t('no such domain (NXDOMAIN)')}</option>
              <option value="sinkhole">{t('the sinkhole address')}</option>
            </select>
          </div>
        ) : null}
        {kind === 'flowspec' ? (
          <>
            <div className="field">
              <label htmlFor={`${f}-p`}>{t('Protocol')}</label>
              <select id={`${f}-p`} value={protocol} onChange={(e) => setProtocol(e.target.value)}>
                <option value="">{t('any')}</option>
                <option value="tcp">TCP</option>
                <option value="udp">UDP</option>
                <option value="icmp">ICMP</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${f}-port`}>{t('Port')}</label>
              <input id={`${f}-port`} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${f}-fa`}>{t('Action')}</label>
              <select id={`${f}-fa`} value={fsAction} onChange={(e) => setFsAction(e.target.value)}>
                <option value="discard">{t('discard')}</option>
                <option value="rate-limit">{t('rate-limit')}</option>
              </select>
            </div>
            {fsAction === 'rate-limit' ? (
              <div className="field">
                <label htmlFor={`${f}-rate`}>{t('Rate (bytes per second)')}</label>
                <input id={`${f}-rate`} inputMode="numeric" value={rate} onChange={(e) => setRate(e.target.value)} />
              </div>
            ) : null}
          </>
        ) : null}
        {kind === 'takedown' ? (
          <>
            <div className="field">
              <label htmlFor={`${f}-ab`}>{t('Abuse contact (e-mail)')} *</label>
              <input id={`${f}-ab`} type="email" required value={abuse} onChange={(e) => setAbuse(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${f}-nw`}>{t('Hosting network')}</label>
              <input id={`${f}-nw`} maxLength={200} value={network} onChange={(e) => setNetwork(e.target.value)} />
            </div>
          </>
        ) : null}
        {problem ? (
          <p className="error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {t('Plan measure')}
        </button>
      </form>
    </Box>
  );
}

/** the request to the commission: a reason only; no council fields (those belong to the council's review) */
function RequestApproval({ measures, busy, onRequest }: { measures: number; busy: boolean; onRequest: (reason: string) => Promise<void> }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const [reason, setReason] = useState('');
  return (
    <form
      className="schema-form"
      aria-label={t('Request the commission\'s approval')}
      onSubmit={(e) => {
        e.preventDefault();
        void onRequest(reason.trim());
      }}
    >
      <div className="field">
        <label htmlFor={`${f}-r`}>{t('Grounds for the request')}</label>
        <textarea id={`${f}-r`} rows={2} maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      {measures === 0 ? <p className="muted small">{t('The commission approves named measures: none is planned yet.')}</p> : null}
      <button type="submit" disabled={busy || measures === 0}>
        {t('Request approval')}
      </button>
    </form>
  );
}

function ReasonForm({ label: text, submitLabel, busy, required = true, onSubmit }: { label: string; submitLabel: string; busy: boolean; required?: boolean; onSubmit: (text: string) => Promise<void> }) {
  const f = useId().replace(/:/g, '');
  const [value, setValue] = useState('');
  return (
    <form
      className="schema-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit(value.trim());
      }}
    >
      <div className="field">
        <label htmlFor={`${f}-r`}>
          {text}
          {required ? ' *' : ''}
        </label>
        <textarea id={`${f}-r`} rows={2} required={required} maxLength={2000} value={value} onChange={(e) => setValue(e.target.value)} />
      </div>
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** a consultation (the security council's review or the foreign ministry's): who, what they concluded, when */
function ConsultationForm({ submitLabel, busy, onSubmit }: { submitLabel: string; busy: boolean; onSubmit: (c: Row) => Promise<void> }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const [body, setBody] = useState('');
  const [outcome, setOutcome] = useState('');
  const [reference, setReference] = useState('');
  const [at, setAt] = useState(() => {
    const d = new Date(Date.now() - 60_000);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  });
  return (
    <form
      className="schema-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit({ body: body.trim(), outcome: outcome.trim(), consultedAt: new Date(at).toISOString(), ...(reference.trim() ? { reference: reference.trim() } : {}) });
      }}
    >
      <div className="field">
        <label htmlFor={`${f}-b`}>{t('Consulted body')} *</label>
        <input id={`${f}-b`} required maxLength={300} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${f}-o`}>{t('Outcome')} *</label>
        <textarea id={`${f}-o`} required rows={2} maxLength={4000} value={outcome} onChange={(e) => setOutcome(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${f}-ref`}>{t('Reference')}</label>
        <input id={`${f}-ref`} maxLength={300} value={reference} onChange={(e) => setReference(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${f}-at`}>{t('Consulted at')} *</label>
        <input id={`${f}-at`} type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />
      </div>
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** the executor's execution, with a dry run showing what it would change first */
function Execute({ busy, path, onExecute }: { busy: boolean; path: string; onExecute: () => Promise<void> }) {
  const { t } = useTranslation();
  const [dry, setDry] = useState<Row | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="stack">
      <div className="filters-inline">
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => {
            setError(null);
            api<Row>('POST', `${path}/execute/dry-run`, {}).then(setDry, setError);
          }}
        >
          {t('Dry run')}
        </button>
        <button type="button" disabled={busy} onClick={() => void onExecute()}>
          {t('Execute')}
        </button>
      </div>
      <ErrorNote error={error} />
      {dry ? (
        <div role="region" aria-label={t('Dry run')}>
          <p>{dry.refusal ? t('Executing now would be refused: {{why}}', { why: String(dry.refusal) }) : t('Executing now would go ahead.')}</p>
          <DataTable caption="Measures the execution applies" rows={(dry.measures as Row[]) ?? []} columns={['kind', 'target', 'driver']} cell={(k, r) => (k === 'kind' ? t(`measure:${String(r.kind)}`) : undefined)} empty="No planned measure." />
        </div>
      ) : null}
    </div>
  );
}
