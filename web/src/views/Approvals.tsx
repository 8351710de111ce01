/**
 * Approvals of acquisition, the lawful gate's legal ground: the agency lead proposes one (category,
 * carriers, criteria, period) through a form; commission members decide it (approve or reject, with
 * reasons) with its evidence in view: its criteria, and the findings they cover. Auditors read.
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api, fill, rowsOf, type Me, type Spec } from '../api.js';
import { inPrefix } from '../cidr.js';
import { CATEGORIES, ID, KIND_NAMES, criteriaBody, proposalChoices, type DraftCriterion, type Kind } from '../approval-form.js';
import { ApiAction, ApiList, DataTable, ErrorNote, NotAvailable, Section, fmt, fmtCell, useLoad } from '../ui.js';
import { SelectedFlows } from './Commission.js';
import { InfraLink } from './Infrastructure.js';
import { useTranslation } from 'react-i18next';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;

/** a datetime-local value for a time */
function localInput(ms: number): string {
  const d = new Date(ms);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** the agency lead's proposal form, against POST /api/v1/approvals */
export function ProposeApproval({ spec, carriersKnown, onDone }: { spec: Spec; carriersKnown: string[]; onDone: (a: Row) => void }) {
  const route = spec.find('POST', /^\/api\/v1\/(selection\/)?approvals$/);
  const f = useId().replace(/:/g, '');
  const [id, setId] = useState(() => `approval-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${Math.random().toString(36).slice(2, 6)}`);
  const [category, setCategory] = useState('');
  const [carriers, setCarriers] = useState('');
  const [criteria, setCriteria] = useState<DraftCriterion[]>([{ kind: 'prefix', value: '', proto: '' }]);
  const [start, setStart] = useState(() => localInput(Date.now()));
  const [end, setEnd] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const choices = useMemo(() => proposalChoices(route ? spec.bodySchema('POST', route.path) : null), [spec, route]);
  const { t } = useTranslation();
  if (!route) return <NotAvailable what="proposing approvals" expected="POST /api/v1/approvals" />;
  const setRow = (i: number, c: Partial<DraftCriterion>) => setCriteria((rows) => rows.map((r, j) => (j === i ? { ...r, ...c } : r)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const built = criteriaBody(criteria);
    if ('problem' in built) return setError(new Error(built.problem));
    const carrierList = carriers.split(/[\s,]+/).filter(Boolean);
    if (carrierList.length === 0) return setError(new Error(t('carriers: name at least one carrier (the id its exporters are mapped to)')));
    const bad = carrierList.find((c) => !ID.test(c));
    if (bad) return setError(new Error(t("carriers: '{{bad}}' is not an id (letters, digits, . _ : / -)", { bad })));
    const body: Row = { id: id.trim(), category, carriers: carrierList, criteria: built.criteria, start: new Date(start).toISOString() };
    if (end) body.end = new Date(end).toISOString();
    setBusy(true);
    try {
      const a = await api<Row>('POST', route!.path, body);
      onDone(a);
      setCriteria([{ kind: 'prefix', value: '', proto: '' }]);
      setId(`approval-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${Math.random().toString(36).slice(2, 6)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="schema-form" aria-label={t('Propose an approval')} onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={`${f}-id`}>{t('Approval id *')}</label>
        <input id={`${f}-id`} required maxLength={128} pattern={ID.source} value={id} onChange={(e) => setId(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${f}-cat`}>{t('Category *')}</label>
        <select id={`${f}-cat`} required value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">{t('choose…')}</option>
          {choices.categories.map((c) => (
            <option key={c} value={c}>
              {CATEGORIES.find((x) => x.value === c)?.label ?? c}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${f}-car`}>{t('Carriers *')}</label>
        <input id={`${f}-car`} required list={`${f}-car-list`} aria-describedby={`${f}-car-hint`} value={carriers} onChange={(e) => setCarriers(e.target.value)} />
        <datalist id={`${f}-car-list`}>
          {carriersKnown.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <span className="hint" id={`${f}-car-hint`}>
          {t('Carrier ids, separated by commas; the gate maps each exporter to one.')}
          {carriersKnown.length ? <> {t('Known: {{list}}.', { list: carriersKnown.join(t(', ')) })}</> : null}
        </span>
      </div>
      <fieldset className="field group">
        <legend>{t('Criteria * (a flow is selected when it meets one)')}</legend>
        {criteria.map((c, i) => (
          <div className="criterion" key={i} role="group" aria-label={t('Criterion {{n}}', { n: i + 1 })}>
            <div className="field">
              <label htmlFor={`${f}-k${i}`}>{t('Kind of criterion {{n}}', { n: i + 1 })}</label>
              <select id={`${f}-k${i}`} value={c.kind} onChange={(e) => setRow(i, { kind: e.target.value as Kind, value: '', proto: '' })}>
                {choices.kinds.map((k) => (
                  <option key={k} value={k}>
                    {KIND_NAMES[k]}
                  </option>
                ))}
              </select>
            </div>
            {c.kind === 'detector' ? (
              <div className="field">
                <label htmlFor={`${f}-v${i}`}>{t('Detector of criterion {{n}}', { n: i + 1 })}</label>
                <select id={`${f}-v${i}`} required value={c.value} onChange={(e) => setRow(i, { value: e.target.value })}>
                  <option value="">{t('choose…')}</option>
                  {choices.detectors.map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
              </div>
            ) : (
              <div className="field">
                <label htmlFor={`${f}-v${i}`}>
                  {c.kind === 'address'
                    ? t('Address of criterion {{n}}', { n: i + 1 })
                    : c.kind === 'prefix'
                      ? t('Prefix of criterion {{n}}', { n: i + 1 })
                      : c.kind === 'asn'
                        ? t('AS number of criterion {{n}}', { n: i + 1 })
                        : t('Port of criterion {{n}}', { n: i + 1 })}
                </label>
                <input
                  id={`${f}-v${i}`}
                  required={c.kind !== 'port'}
                  inputMode={c.kind === 'asn' || c.kind === 'port' ? 'numeric' : undefined}
                  placeholder={c.kind === 'address' ? '198.51.100.23' : c.kind === 'prefix' ? '203.0.113.0/24' : c.kind === 'asn' ? '64500' : '443'}
                  value={c.value}
                  onChange={(e) => setRow(i, { value: e.target.value })}
                />
              </div>
            )}
            {c.kind === 'port' ? (
              <div className="field">
                <label htmlFor={`${f}-p${i}`}>{t('Protocol number of criterion {{n}}', { n: i + 1 })}</label>
                <input id={`${f}-p${i}`} inputMode="numeric" placeholder="6 (TCP), 17 (UDP)" value={c.proto} onChange={(e) => setRow(i, { proto: e.target.value })} />
              </div>
            ) : null}
            {criteria.length > 1 ? (
              <button type="button" className="danger" onClick={() => setCriteria((rows) => rows.filter((_, j) => j !== i))}>
                {t('Remove criterion {{n}}', { n: i + 1 })}
              </button>
            ) : null}
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setCriteria((rows) => [...rows, { kind: 'prefix', value: '', proto: '' }])}>
          {t('Add a criterion')}
        </button>
      </fieldset>
      <div className="field">
        <label htmlFor={`${f}-start`}>{t('Start *')}</label>
        <input id={`${f}-start`} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${f}-end`}>{t('End')}</label>
        <input id={`${f}-end`} type="datetime-local" aria-describedby={`${f}-end-hint`} value={end} onChange={(e) => setEnd(e.target.value)} />
        <span className="hint" id={`${f}-end-hint`}>
          {t("Left empty: the category's default period from the start.")}
        </span>
      </div>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {busy ? t('Working…') : t('Propose approval')}
      </button>
      <p className="small muted">{t('The commission decides it; nothing is selected under it before then. The proposal is recorded in the audit log.')}</p>
    </form>
  );
}

/** a criterion in words, and the findings it covers among those given */
export function coverage(c: Row, findings: Row[]): { criterion: string; covers: Row[]; note?: string } {
  switch (c.kind) {
    case 'address':
      return { criterion: String(c.address), covers: findings.filter((f) => f.external === c.address) };
    case 'prefix':
      return { criterion: String(c.prefix), covers: findings.filter((f) => typeof f.external === 'string' && inPrefix(f.external, String(c.prefix))) };
    case 'port':
      return {
        criterion: `${c.port !== undefined ? i18n.t('port {{port}}', { port: String(c.port) }) : i18n.t('any port')}${c.proto !== undefined ? ` ${i18n.t('proto {{proto}}', { proto: String(c.proto) })}` : ''}`,
        covers: findings.filter((f) => (c.port === undefined || f.port === c.port) && (c.proto === undefined || f.proto === c.proto)),
      };
    case 'detector':
      return { criterion: i18n.t('detector {{detector}}', { detector: String(c.detector) }), covers: findings.filter((f) => f.type === c.detector) };
    case 'asn':
      return { criterion: `AS${String(c.asn)}`, covers: [], note: i18n.t('not matched here: the dashboard has no AS data') };
    default:
      return { criterion: JSON.stringify(c), covers: [] };
  }
}

/** the evidence of an approval: each criterion and the findings it covers (from the findings the person may read) */
function ApprovalEvidence({ spec, approval }: { spec: Spec; approval: Row }) {
  const list = spec.find('GET', /^\/api\/v1\/findings$/);
  const findings = useLoad<unknown>(list ? `${list.path}?limit=500` : null);
  const { t } = useTranslation();
  const rows = rowsOf(findings.data);
  const criteria = Array.isArray(approval.criteria) ? (approval.criteria as Row[]) : [];
  const table = criteria.map((c, i) => {
    const cov = coverage(c, rows);
    const best = cov.covers.reduce<Row | null>((b, f) => (!b || Number(f.score) > Number(b.score) ? f : b), null);
    return { id: String(c.id ?? i), kind: c.kind, value: cov.criterion, findings: cov.note ?? cov.covers.length, bestScore: best?.score ?? null, about: best?.external ?? null, lastSeen: best?.lastSeen ?? null };
  });
  return (
    <div>
      <h4>{t('Criteria ({{count}}) and the findings they cover', { count: criteria.length })}</h4>
      <ErrorNote error={findings.error} />
      <DataTable
        caption="Criteria of the approval and the findings each covers"
        rows={table}
        columns={['kind', 'value', 'findings', 'bestScore', 'about', 'lastSeen']}
        cell={(k, r) => (k === 'about' && r.about ? <InfraLink address={r.about} /> : undefined)}
        empty="No criteria."
      />
      <p className="small muted">
        {list ? t('Matched in this browser against the {{count}} highest-scoring findings you may read.', { count: rows.length }) : t('The findings API is not available: criteria are shown without matching findings.')}{' '}
        {t('Addresses of domestic hosts never appear: findings hold pseudonyms.')}
      </p>
    </div>
  );
}

function ApprovalDetail({ spec, approval, member, onChanged }: { spec: Spec; approval: Row; member: boolean; onChanged: () => void }) {
  const id = String(approval.id);
  const one = spec.find('GET', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}$/);
  const full = useLoad<Row>(one ? fill(one.path, { id }) : null);
  const a = full.data ?? approval;
  const decide = spec.find('POST', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/(decision|decide|decisions)$/);
  const status = String(a.status ?? '');
  const { t } = useTranslation();
  const facts: Array<[string, unknown]> = [
    [t('Status'), a.status],
    [t('Category'), a.category],
    [t('Carriers'), a.carriers],
    [t('Start'), a.start],
    [t('End'), a.end],
    [t('Proposed by'), a.proposedBy],
    [t('Decided by'), a.decidedBy],
    [t('Decided at'), a.decidedAt],
    [t('Reasons'), a.decisionReason],
  ];
  return (
    <div className="detail" aria-label={t('The approval chosen: {{id}}', { id })}>
      <h3>{id}</h3>
      <ErrorNote error={full.error} />
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{fmt(v)}</dd>
          </div>
        ))}
      </dl>
      <ApprovalEvidence spec={spec} approval={a} />
      {member ? <SelectedFlows spec={spec} id={id} /> : null}
      {member && status === 'approved' && spec.find('POST', /^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/end$/) ? (
        <details className="form-box">
          <summary>{t('End this approval now')}</summary>
          <ApiAction key={`end-${id}`} spec={spec} patterns={[/^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/end$/]} params={{ id }} what="ending approvals" expected="POST /api/v1/approvals/{id}/end" submitLabel="End approval" onDone={onChanged} />
        </details>
      ) : null}
      {!member ? (
        <p className="muted small">{t('Only commission members decide approvals.')}</p>
      ) : status !== 'proposed' ? (
        <p className="small muted">{t('Decided: {{state}}.', { state: fmtCell(status) })}</p>
      ) : decide ? (
        <div className="form-box">
          <h4>{t('The commission\'s decision')}</h4>
          <ApiAction
            key={id}
            spec={spec}
            patterns={[/^\/api\/v1\/(selection\/)?approvals\/\{\w+\}\/(decision|decide|decisions)$/]}
            params={{ [/\{(\w+)\}/.exec(decide.path)?.[1] ?? 'id']: id }}
            what="decisions"
            expected={decide.path}
            submitLabel="Record decision"
            onDone={onChanged}
          />
        </div>
      ) : (
        <NotAvailable what="decisions on approvals" expected="POST /api/v1/approvals/{id}/decision" />
      )}
    </div>
  );
}

/** the list of approvals (proposed first), one chosen with its evidence and, for members, the decision */
export function ApprovalsPanel({ spec, member, title = 'Approvals of acquisition', version = 0 }: { spec: Spec; member: boolean; title?: string; version?: number }) {
  const [picked, setPicked] = useState<Row | null>(null);
  const [mine, setMine] = useState(0);
  return (
    <ApiList
      key={`${version}-${mine}`}
      spec={spec}
      title={title}
      what="approvals"
      patterns={[/^\/api\/v1\/approvals$/, /^\/api\/v1\/selection\/approvals$/]}
      expected="GET /api/v1/approvals"
      render={(rows) => {
        const sorted = [...rows].sort((a, b) => Number(b.status === 'proposed') - Number(a.status === 'proposed'));
        return (
          <>
            <DataTable
              caption={title}
              rows={sorted}
              columns={['id', 'category', 'carriers', 'status', 'start', 'end']}
              picked={picked?.id}
              onPick={setPicked}
              cell={(k, r) => (k === 'status' ? <span className={r.status === 'proposed' ? 'badge pending' : 'badge'}>{fmtCell(r.status)}</span> : undefined)}
              empty="No approval."
            />
            {picked ? (
              <ApprovalDetail
                key={String(picked.id)}
                spec={spec}
                approval={picked}
                member={member}
                onChanged={() => {
                  setPicked(null);
                  setMine((v) => v + 1);
                }}
              />
            ) : null}
          </>
        );
      }}
    />
  );
}

/** the agency lead's view: propose, and follow what the commission decided */
export function ApprovalsView({ me, spec }: { me: Me; spec: Spec }) {
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const lead = me.roles.includes('agency_lead');
  const { t } = useTranslation();
  const list = spec.find('GET', /^\/api\/v1\/approvals$/);
  const all = useLoad<unknown>(list?.path ?? null);
  const carriersKnown = useMemo(() => [...new Set(rowsOf(all.data).flatMap((a) => (Array.isArray(a.carriers) ? (a.carriers as string[]) : [])))].sort(), [all.data]);
  return (
    <div className="grid two">
      {lead ? (
        <Section title="Propose an approval">
          {done ? <p role="status">{done}</p> : null}
          <ProposeApproval
            spec={spec}
            carriersKnown={carriersKnown}
            onDone={(a) => {
              setDone(t('Approval {{id}} proposed ({{status}}): it waits for the commission.', { id: String(a.id), status: fmtCell(a.status) }));
              setVersion((v) => v + 1);
              all.reload();
            }}
          />
        </Section>
      ) : null}
      <ApprovalsPanel spec={spec} member={me.roles.includes('commission_member')} title="Approvals" version={version} />
    </div>
  );
}
