/**
 * A carrier's own page (#22): the approvals that cover its links (only its own link ids; no criteria)
 * and its flows counted by the gate — received, out of scope, selected — over a chosen window, from
 * GET /api/v1/carrier/overview (audited). Another carrier's links and counts are never in the answer.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me, Spec } from '../api.js';
import { client, unwrap, type Answer } from '../client.js';
import { DataTable, ErrorNote, NotAvailable, Section, fmt, fmtCell } from '../ui.js';

/** the answer's type, generated from the server's OpenAPI document */
type Overview = Answer<'/api/v1/carrier/overview'>;

export function CarrierView({ spec }: { me: Me; spec: Spec }) {
  const { t } = useTranslation();
  const [hours, setHours] = useState(24);
  const route = spec.has('GET', '/api/v1/carrier/overview');
  const [o, setO] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!route) return;
    let live = true;
    client
      .GET('/api/v1/carrier/overview', { params: { query: { hours } } })
      .then((r) => live && (setO(unwrap(r)), setError(null)))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [route, hours]);
  if (!route) return <NotAvailable what="the carrier overview" expected="GET /api/v1/carrier/overview" />;
  const windowPicker = (
    <label className="inline">
      {t('Window')}{' '}
      <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
        <option value={24}>{t('the last day')}</option>
        <option value={168}>{t('the last week')}</option>
        <option value={720}>{t('the last 30 days')}</option>
      </select>
    </label>
  );
  return (
    <div className="stack">
      <ErrorNote error={error} />
      {o && o.carrierIds.length === 0 ? (
        <Section title="Your links">
          <p role="status">{t('No carrier id is assigned to your organisation yet: the administrator assigns them. Until then no approval or count is shown.')}</p>
        </Section>
      ) : null}
      {o && o.carrierIds.length > 0 ? (
        <>
          <Section title="Flows on your links" actions={windowPicker}>
            <p className="small muted">{t('Since {{since}}. Out-of-scope flows are counted and discarded at once; only selected flows are kept.', { since: fmt(o.since) })}</p>
            <dl className="facts" aria-label={t('Totals')}>
              {(['received', 'outOfScope', 'selected'] as const).map((k) => (
                <div key={k}>
                  <dt>{t(`count:${k}`)}</dt>
                  <dd>{fmt(o.totals[k])}</dd>
                </div>
              ))}
            </dl>
            <DataTable caption="Flows per link" rows={o.counts.map((c) => ({ id: c.carrier, ...c }))} columns={['carrier', 'received', 'outOfScope', 'noApproval', 'selected', 'discarded']} empty="No flow counted in this window." />
          </Section>
          <Section title="Approvals covering your links">
            <DataTable
              caption="Approvals covering your links"
              rows={o.approvals as Array<Record<string, unknown>>}
              columns={['id', 'category', 'status', 'start', 'end', 'links', 'selected']}
              cell={(k, r) => (k === 'status' ? <span className={r.status === 'approved' ? 'badge' : 'badge pending'}>{fmtCell(r.status)}</span> : undefined)}
              empty="No approval names your links."
            />
            <p className="small muted">{t('Each approval is decided by the commission; its criteria stay with the agency. Selected: flows kept under it on your links in the window.')}</p>
          </Section>
        </>
      ) : null}
    </div>
  );
}
