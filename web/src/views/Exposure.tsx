/**
 * Vulnerability exposure (src/vuln): the operator's landing view — counts by severity, known-exploited
 * alerts first, each with what to do and a button to acknowledge, mitigate or say why it does not apply;
 * for a ministry (and the agency) the sector's exposure per operator and a chart of it over time.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me, type Spec } from '../api.js';
import { Chart } from '../chart.js';
import { ErrorNote, NotAvailable, Section, fmt, useLoad } from '../ui.js';

interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  other: number;
  knownExploited: number;
  total: number;
}
interface Remediation {
  category: string;
  details: string;
  url?: string;
}
interface Alert {
  id: string;
  systemName: string;
  advisoryId: string;
  advisoryVersion: string;
  advisoryTitle: string;
  cves: string[];
  severity: string;
  cvss: number | null;
  knownExploited: boolean;
  kev: Array<{ cveId: string; dueDate: string; requiredAction: string }>;
  remediations: Remediation[];
  products: Array<{ product: string; version: string | null }>;
  state: string;
  firstSeen: string;
  /** detector findings that reached the operator's registered ranges (open alerts) */
  linkedFindings?: LinkedFinding[];
}
interface LinkedFinding {
  findingKey?: string;
  external?: string | null;
  type: string;
  direction: string;
  firstSeen: string;
  lastSeen: string;
  score: number;
  ranges: string[];
  addresses: number;
}
interface Range {
  id: string;
  orgId: string;
  systemId: string | null;
  systemName: string | null;
  cidr: string;
  label: string;
  version: number;
  updatedAt: string;
}
interface Exposure {
  scope: string;
  sectors?: string[];
  totals: Counts;
  operators?: Array<{ orgId: string; name: string; sector: string } & Counts>;
  alerts?: Alert[];
}
interface History {
  points: Array<{ day: string } & Counts>;
}

const SEVERITIES: Array<keyof Counts> = ['critical', 'high', 'medium', 'low', 'other'];
const COLOURS: Record<string, string> = { critical: '#8b0000', high: '#d9480f', medium: '#e6a700', low: '#2f7d32', other: '#777777' };

function CountCards({ c }: { c: Counts }) {
  return (
    <ul className="exposure-counts" aria-label="Open exposure by severity" style={{ display: 'flex', gap: '1rem', listStyle: 'none', padding: 0, flexWrap: 'wrap' }}>
      <li data-count="knownExploited" style={{ fontWeight: 700 }}>
        Known exploited: <span>{c.knownExploited}</span>
      </li>
      {SEVERITIES.map((s) => (
        <li key={s} data-count={s}>
          <span style={{ color: COLOURS[s] }}>■</span> {s}: <span>{c[s]}</span>
        </li>
      ))}
      <li data-count="total">total open: {c.total}</li>
    </ul>
  );
}

function AlertCard({ a, onChanged }: { a: Alert; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [reason, setReason] = useState('');
  const set = async (state: string) => {
    setError(null);
    try {
      await api('POST', `/api/v1/vuln/alerts/${encodeURIComponent(a.id)}/state`, { state, ...(state === 'not_affected' ? { reason } : {}) });
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li className="card vuln-alert" data-alert={a.id} data-state={a.state}>
      <h3>
        {a.knownExploited ? <strong className="overdue">KNOWN EXPLOITED · </strong> : null}
        <span><span aria-hidden="true" style={{ color: COLOURS[a.severity] ?? COLOURS.other }}>■</span> {a.severity.toUpperCase()}</span>
        {a.cvss !== null ? ` ${a.cvss}` : ''} · {a.systemName}: {a.advisoryTitle}
      </h3>
      <p className="muted">
        {a.cves.join(', ')} · advisory {a.advisoryId} version {a.advisoryVersion} · {a.products.map((p) => `${p.product} ${p.version ?? ''}`).join(', ')} · since {fmt(a.firstSeen)} · state: <span className="state">{a.state}</span>
      </p>
      {a.kev.map((k) => (
        <p key={k.cveId} className="due-soon">
          {k.cveId}: attackers use it now — {k.requiredAction} (due {k.dueDate})
        </p>
      ))}
      <p>What to do:</p>
      <ul>
        {a.remediations.length ? (
          a.remediations.map((r, i) => (
            <li key={i}>
              <strong>{r.category.replace('_', ' ')}:</strong> {r.details} {r.url ? <a href={r.url}>{r.url}</a> : null}
            </li>
          ))
        ) : (
          <li>the advisory gives no remediation: contact the vendor</li>
        )}
      </ul>
      <LinkedFindings links={a.linkedFindings ?? []} />
      <div className="actions" style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        {a.state === 'new' ? (
          <button type="button" onClick={() => void set('acknowledged')}>
            Acknowledge
          </button>
        ) : null}
        <button type="button" onClick={() => void set('mitigated')}>
          Mitigated
        </button>
        <label>
          Not affected because <input value={reason} onChange={(e) => setReason(e.target.value)} aria-label="reason the system is not affected" />
        </label>
        <button type="button" disabled={!reason.trim()} onClick={() => void set('not_affected')}>
          Not affected
        </button>
      </div>
      <ErrorNote error={error} />
    </li>
  );
}

/** Findings of the detectors that reached the registered ranges of an exposed system's operator. */
function LinkedFindings({ links }: { links: LinkedFinding[] }) {
  const { t } = useTranslation();
  if (!links.length) return null;
  return (
    <div className="linked-findings" data-linked={links.length}>
      <p className="overdue">
        <strong>{t('Exploitation-like traffic reached your registered network')}</strong> ({links.length})
      </p>
      <ul>
        {links.map((l, i) => (
          <li key={l.findingKey ?? i} data-finding-type={l.type}>
            {t('{{type}} ({{direction}}), {{from}} – {{to}}: {{count}} of your addresses in {{ranges}}', { type: l.type, direction: l.direction, from: fmt(l.firstSeen), to: fmt(l.lastSeen), count: l.addresses, ranges: l.ranges.join(', ') })}
            {l.findingKey ? (
              <>
                {' '}
                · <code>{l.findingKey}</code>
                {l.external ? (
                  <>
                    {' '}
                    · <a href={`#/infrastructure/${encodeURIComponent(l.external)}`}>{l.external}</a>
                  </>
                ) : null}
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The operator registers and edits the address ranges of its networks (so findings can be linked to its alerts). */
export function OperatorRanges({ spec }: { spec: Spec }) {
  const { t } = useTranslation();
  const offered = spec.find('POST', /^\/api\/v1\/vuln\/ranges$/);
  const ranges = useLoad<Range[]>(offered ? '/api/v1/vuln/ranges' : null);
  const systems = useLoad<Array<{ id: string; name: string }>>(offered ? '/api/v1/systems' : null);
  const [cidr, setCidr] = useState('');
  const [label, setLabel] = useState('');
  const [systemId, setSystemId] = useState('');
  const [editing, setEditing] = useState<Range | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!offered) return <NotAvailable what="registered address ranges" expected="POST /api/v1/vuln/ranges" />;
  const reset = () => {
    setCidr('');
    setLabel('');
    setSystemId('');
    setEditing(null);
  };
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    const body = { cidr: cidr.trim(), label, systemId: systemId || null };
    try {
      if (editing) await api('PUT', `/api/v1/vuln/ranges/${encodeURIComponent(editing.id)}`, { ...body, version: editing.version });
      else await api('POST', '/api/v1/vuln/ranges', body);
      reset();
      ranges.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (r: Range) => {
    setError(null);
    try {
      await api('DELETE', `/api/v1/vuln/ranges/${encodeURIComponent(r.id)}`);
      if (editing?.id === r.id) reset();
      ranges.reload();
    } catch (e) {
      setError(e);
    }
  };
  const edit = (r: Range) => {
    setEditing(r);
    setCidr(r.cidr);
    setLabel(r.label);
    setSystemId(r.systemId ?? '');
  };
  return (
    <Section title="Registered address ranges">
      <p className="muted">{t('The address ranges of your networks. When the detectors see exploitation-like traffic reach one of them while one of your systems is exposed, the alert shows it.')}</p>
      <ErrorNote error={ranges.error} />
      {ranges.data?.length ? (
        <table className="table" data-table="ranges">
          <thead>
            <tr>
              <th>{t('Range')}</th>
              <th>{t('System')}</th>
              <th>{t('Label')}</th>
              <th>{t('Updated')}</th>
              <th>
                <span className="sr-only">{t('Actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ranges.data.map((r) => (
              <tr key={r.id} data-range={r.cidr}>
                <td>
                  <code>{r.cidr}</code>
                </td>
                <td>{r.systemName ?? t('whole organisation')}</td>
                <td>{r.label}</td>
                <td>{fmt(r.updatedAt)}</td>
                <td>
                  <button type="button" onClick={() => edit(r)} aria-label={t('Edit {{cidr}}', { cidr: r.cidr })}>
                    {t('Edit')}
                  </button>{' '}
                  <button type="button" onClick={() => void remove(r)} aria-label={t('Delete {{cidr}}', { cidr: r.cidr })}>
                    {t('Delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : ranges.data ? (
        <p>{t('No range registered yet.')}</p>
      ) : null}
      <form className="range-form" onSubmit={(e) => void submit(e)} style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap', alignItems: 'end' }}>
        <label>
          {t('Range (address/length)')} <input name="cidr" value={cidr} onChange={(e) => setCidr(e.target.value)} placeholder="133.1.0.0/16" required />
        </label>
        <label>
          {t('System')}{' '}
          <select name="systemId" value={systemId} onChange={(e) => setSystemId(e.target.value)}>
            <option value="">{t('whole organisation')}</option>
            {(systems.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('Label')} <input name="label" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={200} />
        </label>
        <button type="submit">{editing ? t('Save range') : t('Register range')}</button>
        {editing ? (
          <button type="button" onClick={reset}>
            {t('Cancel')}
          </button>
        ) : null}
      </form>
      <ErrorNote error={error} />
    </Section>
  );
}

/** The agency's view of a finding: the exposed operators whose registered ranges it reached. */
export function FindingExposure({ spec, findingKey }: { spec: Spec; findingKey: string }) {
  const { t } = useTranslation();
  const offered = spec.find('GET', /^\/api\/v1\/vuln\/findings\/\{\w+\}\/exposure$/);
  const x = useLoad<{ operators: Array<{ orgId: string; name: string; sector: string; ranges: string[]; addresses: number; alerts: Array<{ id: string; advisoryTitle: string; severity: string; knownExploited: boolean; systemName: string }> }> }>(
    offered && findingKey ? `/api/v1/vuln/findings/${encodeURIComponent(findingKey)}/exposure` : null,
  );
  if (!offered || !findingKey) return null;
  return (
    <div className="finding-exposure" data-exposed={x.data?.operators.length ?? 0}>
      <h3>{t('Exposed operators this finding reached')}</h3>
      <ErrorNote error={x.error} />
      {x.data ? (
        x.data.operators.length ? (
          <ul>
            {x.data.operators.map((o) => (
              <li key={o.orgId}>
                <strong>{o.name}</strong> ({o.sector}): {t('{{count}} addresses in {{ranges}}', { count: o.addresses, ranges: o.ranges.join(', ') })} —{' '}
                {o.alerts.map((a) => `${a.knownExploited ? 'KEV ' : ''}${a.severity} ${a.systemName}: ${a.advisoryTitle}`).join('; ')}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('No registered range of an operator with an open vulnerability alert.')}</p>
        )
      ) : null}
    </div>
  );
}

/** The operator's exposure: counts, then the open alerts (known-exploited first). */
export function OperatorExposure({ spec }: { me: Me; spec: Spec }) {
  const offered = spec.find('GET', /^\/api\/v1\/vuln\/exposure$/);
  const e = useLoad<Exposure>(offered ? '/api/v1/vuln/exposure' : null, 60_000);
  if (!offered) return <NotAvailable what="vulnerability exposure" expected="GET /api/v1/vuln/exposure" />;
  return (
    <>
      <Section title="Vulnerability exposure">
        <ErrorNote error={e.error} />
        {e.data ? (
          <>
            <CountCards c={e.data.totals} />
            {e.data.alerts?.length ? (
              <ol className="stack vuln-alerts" style={{ listStyle: 'none', padding: 0 }}>
                {e.data.alerts.map((a) => (
                  <AlertCard key={a.id} a={a} onChanged={e.reload} />
                ))}
              </ol>
            ) : (
              <p>No open alert: no imported advisory affects your registered systems (register their products with CPE names and versions).</p>
            )}
          </>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </Section>
      <OperatorRanges spec={spec} />
    </>
  );
}

/** A ministry's (or the agency's) exposure: per operator, and over time as a chart. */
export function SectorExposure({ spec }: { me: Me; spec: Spec }) {
  const offered = spec.find('GET', /^\/api\/v1\/vuln\/exposure\/history$/);
  const e = useLoad<Exposure>(offered ? '/api/v1/vuln/exposure' : null, 60_000);
  const h = useLoad<History>(offered ? '/api/v1/vuln/exposure/history?days=30' : null, 60_000);
  if (!offered) return <NotAvailable what="vulnerability exposure" expected="GET /api/v1/vuln/exposure/history" />;
  const points = h.data?.points ?? [];
  const option = {
    tooltip: { trigger: 'axis' },
    legend: { data: [...SEVERITIES, 'known exploited'] },
    xAxis: { type: 'category', data: points.map((p) => p.day) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      ...SEVERITIES.map((s) => ({ name: s, type: 'bar', stack: 'open', itemStyle: { color: COLOURS[s] }, data: points.map((p) => p[s]) })),
      { name: 'known exploited', type: 'line', itemStyle: { color: '#000' }, data: points.map((p) => p.knownExploited) },
    ],
  };
  return (
    <div className="stack">
      <Section title={`Exposure over the last 30 days${e.data?.sectors ? ` (${e.data.sectors.join(', ')})` : ''}`}>
        <ErrorNote error={h.error} />
        <div data-chart="vuln-exposure">
          <Chart option={option} label={`Open vulnerability alerts per day by severity; today ${points.at(-1)?.total ?? 0}, of which known exploited ${points.at(-1)?.knownExploited ?? 0}`} />
        </div>
      </Section>
      <Section title="Exposure per operator">
        <ErrorNote error={e.error} />
        {e.data ? (
          <>
            <CountCards c={e.data.totals} />
            <table className="table">
              <thead>
                <tr>
                  <th>operator</th>
                  <th>sector</th>
                  <th>known exploited</th>
                  {SEVERITIES.map((s) => (
                    <th key={s}>{s}</th>
                  ))}
                  <th>total</th>
                </tr>
              </thead>
              <tbody>
                {(e.data.operators ?? []).map((o) => (
                  <tr key={o.orgId}>
                    <td>{o.name}</td>
                    <td>{o.sector}</td>
                    <td>{o.knownExploited}</td>
                    {SEVERITIES.map((s) => (
                      <td key={s}>{o[s]}</td>
                    ))}
                    <td>{o.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
      </Section>
    </div>
  );
}
