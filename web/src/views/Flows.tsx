/**
 * Flow exploration for the agency (#22), in the spirit of Akvorado within the law: the top external
 * addresses, their AS and country, ports, carriers or categories of the selected flows over a chosen window, by bytes, from
 * GET /api/v1/flows/top (aggregates only, audited). Flows the gate did not select were counted and
 * deleted: they do not exist to explore.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Spec } from '../api.js';
import type { Answer } from '../client.js';
import { Chart, type ChartOption } from '../chart.js';
import { DataTable, ErrorNote, NotAvailable, Section, fmt, useLoad } from '../ui.js';
import { InfraLink } from './Infrastructure.js';

/** the answer's type, generated from the server's OpenAPI document */
type Top = Answer<'/api/v1/flows/top'>;

const DIMENSIONS = ['external', 'port', 'carrier', 'category', 'as', 'country'] as const;

export function FlowExploration({ spec }: { spec: Spec }) {
  const { t } = useTranslation();
  const [by, setBy] = useState<(typeof DIMENSIONS)[number]>('external');
  const [hours, setHours] = useState(24);
  const [limit, setLimit] = useState(10);
  const route = spec.has('GET', '/api/v1/flows/top');
  // read when the person changes the question (each read is audited), never on a timer
  const top = useLoad<Top>(route ? `/api/v1/flows/top?by=${by}&hours=${hours}&limit=${limit}` : null);
  const rows = top.data?.rows ?? [];
  const option = useMemo<ChartOption>(() => {
    const keys = [...rows].reverse().map((r) => r.key);
    return {
      grid: { left: 140, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: t('bytes') },
      yAxis: { type: 'category', data: keys },
      series: [{ type: 'bar', data: [...rows].reverse().map((r) => r.bytes) }],
    };
  }, [rows, t]);
  if (!route) return <NotAvailable what="flow exploration" expected="GET /api/v1/flows/top" />;
  const names: Record<(typeof DIMENSIONS)[number], string> = { external: t('external addresses'), port: t('ports (port/protocol)'), carrier: t('carriers'), category: t('categories'), as: t('autonomous systems of the external addresses'), country: t('countries of the external addresses') };
  return (
    <Section
      title="Flow exploration"
      actions={
        <div className="filters-inline">
          <label className="inline">
            {t('Top')}{' '}
            <select aria-label={t('Number of rows')} value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {[5, 10, 20, 50].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="inline">
            {t('of')}{' '}
            <select aria-label={t('Dimension')} value={by} onChange={(e) => setBy(e.target.value as (typeof DIMENSIONS)[number])}>
              {DIMENSIONS.map((d) => (
                <option key={d} value={d}>
                  {names[d]}
                </option>
              ))}
            </select>
          </label>
          <label className="inline">
            {t('Window')}{' '}
            <select aria-label={t('Window')} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              <option value={1}>{t('the last hour')}</option>
              <option value={24}>{t('the last day')}</option>
              <option value={168}>{t('the last week')}</option>
            </select>
          </label>
        </div>
      }
    >
      <ErrorNote error={top.error} />
      {top.data ? (
        <>
          <p className="small muted">
            {t('{{flows}} selected flows, {{bytes}} bytes since {{since}}. Flows not selected were counted and deleted at once: they cannot be explored.', { flows: fmt(top.data.total.flows), bytes: fmt(top.data.total.bytes), since: fmt(top.data.since) })}
          </p>
          {rows.length ? <Chart label={t('Top {{n}} {{what}} of the selected flows by bytes', { n: rows.length, what: names[by] })} option={option} height={Math.max(140, 26 * rows.length)} /> : null}
          <DataTable caption="Top talkers of the selected flows" rows={rows.map((r) => ({ id: r.key, ...r }))} columns={['key', 'flows', 'packets', 'bytes']} cell={(k, r) => (k === 'key' && by === 'external' ? <InfraLink address={r.key} /> : undefined)} empty="No flow selected in this window." />
        </>
      ) : null}
    </Section>
  );
}
