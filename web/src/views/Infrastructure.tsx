/**
 * An infrastructure page: one external address (a C2, a scanner, an indicator hit) with every finding
 * about it and their evidence drawn, when it was first and last seen, how many domestic hosts were
 * involved (pseudonyms only: the dashboard never sees a domestic address), the operations, reports and
 * intelligence that name it where the API lets the analyst see them, and the two things to do about it:
 * promote a finding to intelligence, draft an operation against the address.
 *
 * Reached by the URL hash #/infrastructure/<address>, so a page can be linked, bookmarked and left with
 * the browser's back button.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, fill, rowsOf, type Spec } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { ApiAction, DataTable, ErrorNote, NotAvailable, Section, fmt, useLoad } from '../ui.js';
import { EvidencePanel } from './Evidence.js';
import { useTranslation } from 'react-i18next';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;

const PREFIX = '#/infrastructure/';

export function infrastructureHref(address: string): string {
  return PREFIX + encodeURIComponent(address);
}

/** the address of the infrastructure page the URL names, or null */
export function useInfrastructureHash(): string | null {
  const read = () => (location.hash.startsWith(PREFIX) ? decodeURIComponent(location.hash.slice(PREFIX.length)) || null : null);
  const [address, setAddress] = useState<string | null>(read);
  useEffect(() => {
    const on = () => setAddress(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return address;
}

/** a link to an address's infrastructure page */
export function InfraLink({ address }: { address: unknown }) {
  const { t } = useTranslation();
  if (typeof address !== 'string' || !address) return <>—</>;
  return (
    <a href={infrastructureHref(address)} aria-label={t('Infrastructure page of {{address}}', { address })}>
      {address}
    </a>
  );
}

interface Page {
  address: string;
  findings: Row[];
  truncated: boolean;
  summary: { findings: number; types: Record<string, number>; firstSeen: string | null; lastSeen: string | null; pseudonymsNamed: number; largestDomesticCount: number; victimsAtLeast: number };
  /** where the findings came from, said on the page */
  source: string;
}

const OWN = /^\/api\/v1\/infrastructure\/\{\w+\}$/;

/** the page's findings: the server's route for one address, else the findings list filtered here */
function useInfrastructure(spec: Spec, address: string): { page: Page | null; error: unknown; reload: () => void; none: boolean } {
  const own = spec.find('GET', OWN);
  const list = spec.find('GET', /^\/api\/v1\/findings$/);
  const path = own ? fill(own.path, { [/\{(\w+)\}/.exec(own.path)?.[1] ?? 'address']: address }) : list ? `${list.path}?limit=500` : null;
  const loaded = useLoad<unknown>(path, 10_000);
  const page = useMemo<Page | null>(() => {
    if (loaded.data === null) return null;
    if (own) return { ...(loaded.data as Omit<Page, 'source'>), source: `GET ${own.path}` };
    const findings = rowsOf(loaded.data).filter((f) => f.external === address);
    const types: Record<string, number> = {};
    const pseudonyms = new Set<string>();
    let largest = 0;
    for (const f of findings) {
      types[String(f.type)] = (types[String(f.type)] ?? 0) + 1;
      for (const d of Array.isArray(f.domestic) ? (f.domestic as string[]) : []) pseudonyms.add(d);
      largest = Math.max(largest, Number(f.domesticCount ?? 0));
    }
    const times = (k: string) => findings.map((f) => String(f[k])).sort();
    return {
      address,
      findings,
      truncated: false,
      summary: { findings: findings.length, types, firstSeen: times('firstSeen')[0] ?? null, lastSeen: times('lastSeen').pop() ?? null, pseudonymsNamed: pseudonyms.size, largestDomesticCount: largest, victimsAtLeast: Math.max(pseudonyms.size, largest) },
      source: `the 500 highest-scoring findings of GET ${list?.path ?? ''}, filtered in this browser`,
    };
  }, [loaded.data, own, list, address]);
  return { page, error: loaded.error, reload: loaded.reload, none: !path };
}

export function InfrastructurePage({ spec, address, canDraft = true }: { spec: Spec; address: string; canDraft?: boolean }) {
  const { page, error, none } = useInfrastructure(spec, address);
  const [picked, setPicked] = useState<Row | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [address]);
  const findings = page?.findings ?? [];
  // the finding whose evidence is drawn: the one chosen, else a fan-in (its victims say most about a server), else the highest score
  const byScore = [...findings].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0));
  const chosen = (picked && findings.find((f) => f.key === picked.key)) ?? byScore.find((f) => f.type === 'fan-in') ?? byScore[0] ?? null;
  const s = page?.summary;
  return (
    <div className="stack" data-page="infrastructure">
      <nav aria-label={i18n.t('Breadcrumb')} className="small">
        <a href="#/">{i18n.t('Analysis')}</a> › {i18n.t('Infrastructure {{address}}', { address })}
      </nav>
      <section className="card" aria-labelledby="infra-title">
        <h1 id="infra-title" ref={heading} tabIndex={-1}>
          {i18n.t('Infrastructure {{address}}', { address })}
        </h1>
        {none ? <NotAvailable what="findings" expected="GET /api/v1/infrastructure/{address} or GET /api/v1/findings" /> : null}
        <ErrorNote error={error} />
        {error instanceof ApiError && error.status === 400 ? <p className="muted">{i18n.t('Only an IPv4 or IPv6 address has an infrastructure page.')}</p> : null}
        {!page && !error && !none ? <p className="muted">{i18n.t('Loading…')}</p> : null}
        {s ? (
          <>
            <dl className="facts">
              <div>
                <dt>{i18n.t('Findings')}</dt>
                <dd>
                  {fmt(s.findings)}
                  {page.truncated ? ` ${i18n.t('(the newest 500)')}` : ''}
                </dd>
              </div>
              <div>
                <dt>{i18n.t('Types')}</dt>
                <dd>{Object.entries(s.types).map(([t, n]) => `${t} ${n}`).join(', ') || '—'}</dd>
              </div>
              <div>
                <dt>{i18n.t('First seen')}</dt>
                <dd>{fmt(s.firstSeen)}</dd>
              </div>
              <div>
                <dt>{i18n.t('Last seen')}</dt>
                <dd>{fmt(s.lastSeen)}</dd>
              </div>
              <div>
                <dt>{i18n.t('Domestic hosts involved')}</dt>
                <dd>{i18n.t('at least {{count}}', { count: fmt(s.victimsAtLeast) })}</dd>
              </div>
              <div>
                <dt>{i18n.t('Pseudonyms named')}</dt>
                <dd>{fmt(s.pseudonymsNamed)}</dd>
              </div>
            </dl>
            {findings.length ? <Timeline findings={findings} address={address} /> : <p className="muted">{i18n.t('No finding names this address (yet).')}</p>}
            <p className="small muted">
              {i18n.t("From {{source}}. Domestic hosts are shown as the gate's pseudonyms only; re-identification needs a commission decision and is not done here.", { source: page.source })}
            </p>
          </>
        ) : null}
      </section>
      {page ? (
        <div className="grid two">
          <Section title={`Findings about ${address}`}>
            <DataTable
              caption={`Findings about ${address}`}
              rows={findings}
              columns={['type', 'port', 'proto', 'direction', 'domesticCount', 'score', 'firstSeen', 'lastSeen']}
              picked={chosen?.key}
              onPick={setPicked}
              empty="No findings."
            />
            {chosen ? <Victims finding={chosen} /> : null}
          </Section>
          {chosen ? <Evidence spec={spec} finding={chosen} /> : <Section title="Evidence"><p className="muted">{i18n.t('No finding to draw.')}</p></Section>}
        </div>
      ) : null}
      {page ? (
        <div className="grid two">
          {canDraft ? <DraftOperation spec={spec} address={address} findings={findings} /> : null}
          <Linked spec={spec} address={address} />
        </div>
      ) : null}
    </div>
  );
}

/** one bar per finding type, from the first time a finding of that type was seen to the last */
function Timeline({ findings, address }: { findings: Row[]; address: string }) {
  const option = useMemo<ChartOption>(() => {
    const byType = new Map<string, { first: number; last: number; n: number }>();
    for (const f of findings) {
      const t = String(f.type);
      const first = Date.parse(String(f.firstSeen));
      const last = Date.parse(String(f.lastSeen));
      const cur = byType.get(t);
      byType.set(t, cur ? { first: Math.min(cur.first, first), last: Math.max(cur.last, last), n: cur.n + 1 } : { first, last, n: 1 });
    }
    const names = [...byType.entries()].map(([t, v]) => `${t} (${v.n})`);
    return {
      tooltip: { trigger: 'item' },
      grid: { left: 130, right: 24, top: 8, bottom: 28 },
      xAxis: { type: 'time' },
      yAxis: { type: 'category', data: names },
      series: [...byType.values()].map((v, i) => ({
        type: 'line',
        name: names[i],
        showSymbol: true,
        symbolSize: 8,
        lineStyle: { width: 8 },
        data: [
          [v.first, names[i]],
          [v.last, names[i]],
        ],
      })),
    };
  }, [findings]);
  const types = new Set(findings.map((f) => f.type)).size;
  return <Chart label={`When the findings about ${address} were first and last seen, by type`} option={option} height={40 + 32 * types} />;
}

/** the domestic side of a finding: pseudonyms only, and how many */
function Victims({ finding: f }: { finding: Row }) {
  const named = Array.isArray(f.domestic) ? (f.domestic as string[]) : [];
  return (
    <details className="form-box">
      <summary>
        {i18n.t('Domestic hosts of this {{type}} finding: {{count}} ({{named}} pseudonyms named)', { type: String(f.type), count: fmt(f.domesticCount), named: named.length })}
      </summary>
      {named.length ? (
        <ul className="pseudonyms" aria-label={i18n.t('Pseudonyms of the domestic hosts')}>
          {named.slice(0, 200).map((d) => (
            <li key={d}>
              <code>{d}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{i18n.t('None named.')}</p>
      )}
      <p className="small muted">{i18n.t('Pseudonyms made by the gate with the key of the approval\'s period: they stand for domestic hosts and do not reveal them.')}</p>
    </details>
  );
}

function Evidence({ spec, finding: f }: { spec: Spec; finding: Row }) {
  return <EvidencePanel spec={spec} finding={f} title={f.port ? i18n.t('Evidence: {{type}} on port {{port}}', { type: String(f.type), port: String(f.port) }) : i18n.t('Evidence: {{type}}', { type: String(f.type) })} facts={['score', 'updates', 'firstSeen', 'lastSeen']} height={190} />;
}

/** draft an operation against the address; every finding about it is linked as evidence */
function DraftOperation({ spec, address, findings }: { spec: Spec; address: string; findings: Row[] }) {
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const link = spec.find('POST', /^\/api\/v1\/operations\/\{\w+\}\/links$/);
  const top = [...findings].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0))[0];
  return (
    <Section title="Draft an operation against this address">
      {done ? <p role="status">{done}</p> : null}
      <ErrorNote error={error} />
      <ApiAction
        key={address}
        spec={spec}
        patterns={[/^\/api\/v1\/operations$/]}
        what="drafting operations"
        expected="POST /api/v1/operations"
        submitLabel="Save draft"
        initial={{ title: `Neutralise ${top ? String(top.type) : ''} server ${address}`.replace('  ', ' '), 'targets.addresses': address }}
        onDone={(o) => {
          const op = o as Row;
          setError(null);
          // the findings go with the draft as its evidence (the analyst may unlink nothing: links are the record)
          const keys = [...findings].sort((a, b) => Number(b.score ?? 0) - Number(a.score ?? 0)).map((f) => String(f.key)).slice(0, 50);
          if (!link || keys.length === 0) {
            setDone(`Operation drafted (${String(op.id)}); no finding linked.`);
            return;
          }
          void (async () => {
            let linked = 0;
            try {
              for (const k of keys) {
                await api('POST', fill(link.path, { id: String(op.id) }), { kind: 'finding', ref: k, note: `finding about ${address}` });
                linked++;
              }
            } catch (e) {
              setError(e);
            }
            const more = findings.length > keys.length ? ` (the ${keys.length} highest-scoring of ${findings.length}; link others under Operations)` : '';
            setDone(`Operation "${String(op.title ?? op.id)}" drafted; ${linked} of ${keys.length} findings linked as its evidence${more}. Take its next steps under Operations.`);
          })();
        }}
      />
    </Section>
  );
}

/** operations, reports and intelligence that name the address, as far as the analyst may see them */
function Linked({ spec, address }: { spec: Spec; address: string }) {
  const opsRoute = spec.find('GET', /^\/api\/v1\/operations$/);
  const opRoute = spec.find('GET', /^\/api\/v1\/operations\/\{\w+\}$/);
  const reportsRoute = spec.find('GET', /^\/api\/v1\/reports$/);
  const indicatorsRoute = spec.find('GET', /^\/api\/v1\/reports\/\{\w+\}\/indicators$/);
  const ops = useLoad<unknown>(opsRoute?.path ?? null);
  const mine = rowsOf(ops.data).filter((o) => {
    const t = o.targets as { addresses?: string[] } | undefined;
    return Array.isArray(t?.addresses) && t.addresses.includes(address);
  });
  const [reports, setReports] = useState<Row[] | null>(null);
  const [intel, setIntel] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const opIds = mine.map((o) => String(o.id)).join(',');

  // reports: those whose indicators name the address (the newest 20 the analyst may read), and those the
  // operations on the address link as evidence
  useEffect(() => {
    if (!reportsRoute) return;
    let live = true;
    void (async () => {
      try {
        const all = rowsOf(await api<unknown>('GET', reportsRoute.path)).slice(0, 20);
        const found = new Map<string, Row & { why: string }>();
        if (indicatorsRoute) {
          for (const r of all) {
            const ind = rowsOf(await api<unknown>('GET', fill(indicatorsRoute.path, { reportId: String(r.id), id: String(r.id) })));
            if (ind.some((i) => String(i.value) === address || String(i.value).startsWith(`${address}/`))) found.set(String(r.id), { ...r, why: 'its indicators name the address' });
          }
        }
        if (opRoute && opIds) {
          for (const id of opIds.split(',')) {
            const d = await api<Row>('GET', fill(opRoute.path, { id }));
            for (const l of Array.isArray(d.links) ? (d.links as Row[]) : []) {
              if (l.kind !== 'report' || found.has(String(l.ref))) continue;
              const r = all.find((x) => x.id === l.ref);
              found.set(String(l.ref), { id: l.ref, title: r?.title ?? l.ref, stage: r?.stage, why: `evidence of operation ${String(d.title ?? id)}` });
            }
          }
        }
        if (live) setReports([...found.values()]);
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [reportsRoute, indicatorsRoute, opRoute, opIds, address]);

  // intelligence: objects of the TAXII collections readable by the analyst whose pattern or value names the address
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const get = async (p: string) => {
          const res = await fetch(p, { headers: { accept: 'application/taxii+json;version=2.1' }, credentials: 'same-origin' });
          if (res.status === 404) return null;
          if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `GET ${p} answered ${res.status}`);
          return (await res.json()) as Row;
        };
        const disc = await get('/taxii2/');
        const out: Row[] = [];
        for (const rootUrl of (disc?.api_roots as string[] | undefined) ?? []) {
          const root = new URL(rootUrl, location.origin).pathname.replace(/\/?$/, '/');
          const cols = ((await get(`${root}collections/`))?.collections as Row[] | undefined) ?? [];
          for (const c of cols.filter((x) => x.can_read !== false)) {
            const objs = ((await get(`${root}collections/${encodeURIComponent(String(c.id))}/objects/?limit=500`))?.objects as Row[] | undefined) ?? [];
            for (const o of objs) {
              const text = `${String(o.pattern ?? '')} ${String(o.value ?? '')} ${String(o.name ?? '')}`;
              if (new RegExp(`(^|[^0-9a-fA-F.:])${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^0-9a-fA-F.:])`).test(text)) out.push({ ...o, collection: c.title ?? c.id });
            }
          }
        }
        if (live) setIntel(out);
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [address]);

  return (
    <Section title="Linked operations, reports and intelligence">
      <ErrorNote error={ops.error ?? error} />
      <h3>{i18n.t('Operations against {{address}}', { address })}</h3>
      {!opsRoute ? (
        <NotAvailable what="operations" expected="GET /api/v1/operations" />
      ) : (
        <DataTable caption={`Operations against ${address}`} rows={mine} columns={['title', 'state', 'emergency', 'abroad', 'updatedAt']} empty="No operation names this address." />
      )}
      <h3>{i18n.t('Incident reports')}</h3>
      {!reportsRoute ? (
        <NotAvailable what="incident reports" expected="GET /api/v1/reports" />
      ) : reports === null ? (
        <p className="muted">{i18n.t('Looking…')}</p>
      ) : (
        <DataTable caption={`Reports naming ${address}`} rows={reports} columns={['title', 'stage', 'why']} empty="No report you can read names this address." />
      )}
      <h3>{i18n.t('Intelligence')}</h3>
      {intel === null ? (
        <p className="muted">{i18n.t('Looking…')}</p>
      ) : (
        <DataTable caption={`Intelligence naming ${address}`} rows={intel} columns={['type', 'name', 'pattern', 'collection', 'modified']} empty="No intelligence object you can read names this address." />
      )}
      <p className="small muted">{i18n.t('Reports: the newest 20 you may read (each read is audited). Intelligence: the first 500 objects of each TAXII collection you may read.')}</p>
    </Section>
  );
}
