/** Intelligence shared with the person's organisation: the API's list, or the TAXII 2.1 collections. */
import { useEffect, useState } from 'react';
import { ApiError, type Me, type Spec } from '../api.js';
import { ApiList, DataTable, ErrorNote, NotAvailable, Section } from '../ui.js';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;
const TAXII = 'application/taxii+json;version=2.1';

async function taxii<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: TAXII }, credentials: 'same-origin' });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data ?? {}) as { title?: string; description?: string };
    throw new ApiError(res.status, `HTTP_${res.status}`, e.description ?? e.title ?? `GET ${path} answered ${res.status}`);
  }
  return data as T;
}

/** the object's marking, as TLP 2.0 names it where it is one */
function tlp(o: Row): string {
  const refs = Array.isArray(o.object_marking_refs) ? (o.object_marking_refs as string[]) : [];
  const known: Record<string, string> = {
    'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'TLP:CLEAR',
    'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'TLP:GREEN',
    'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'TLP:AMBER',
    'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'TLP:AMBER+STRICT',
    'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'TLP:RED',
  };
  return refs.map((r) => known[r] ?? r.slice(0, 28)).join(', ') || '—';
}

/** the TAXII collections the person can see, over every API root of the server's discovery */
export function useTaxiiCollections(): { state: 'loading' | 'none' | 'ok'; collections: Array<Row & { root: string }>; error: unknown } {
  const [state, setState] = useState<'loading' | 'none' | 'ok'>('loading');
  const [collections, setCollections] = useState<Array<Row & { root: string }>>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const disc = await taxii<{ api_roots?: string[] }>('/taxii2/');
        const found: Array<Row & { root: string }> = [];
        for (const rootUrl of disc.api_roots ?? []) {
          const root = new URL(rootUrl, location.origin).pathname.replace(/\/?$/, '/');
          const c = await taxii<{ collections?: Row[] }>(`${root}collections/`);
          for (const col of c.collections ?? []) found.push({ ...col, root });
        }
        if (!live) return;
        setCollections(found);
        setState('ok');
      } catch (e) {
        if (!live) return;
        if (e instanceof ApiError && e.status === 404) setState('none');
        else {
          setError(e);
          setState('ok');
        }
      }
    })();
    return () => {
      live = false;
    };
  }, []);
  return { state, collections, error };
}

/** how many relationships of the bundle name each object (as source or target) */
function relatedCounts(objects: Row[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const o of objects) {
    if (o.type !== 'relationship') continue;
    for (const ref of [o.source_ref, o.target_ref]) if (typeof ref === 'string') n.set(ref, (n.get(ref) ?? 0) + 1);
  }
  return n;
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const csvCell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;

/** a collection's objects as objects (name, pattern, TLP, validity, related), filtered by type and text, exported */
function ObjectBrowser({ objects, collection }: { objects: Row[]; collection: string }) {
  const [type, setType] = useState('');
  const [text, setText] = useState('');
  const related = relatedCounts(objects);
  const types = [...new Set(objects.map((o) => String(o.type)))].sort();
  const needle = text.trim().toLowerCase();
  const shown = objects
    .filter((o) => (!type || o.type === type) && (!needle || JSON.stringify(o).toLowerCase().includes(needle)))
    .map((o): Row => ({ ...o, name: o.name ?? o.value ?? o.id, marking: tlp(o), related: related.get(String(o.id)) ?? 0 }));
  const base = `${collection.replace(/[^\w-]+/g, '-')}-${new Date().toISOString().slice(0, 10)}`;
  return (
    <div>
      <div className="filters-inline">
        <label className="inline">
          {i18n.t('Type')}{' '}
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">{i18n.t('all')}</option>
            {types.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          {i18n.t('Contains')} <input value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="button" onClick={() => download(`${base}.json`, 'application/stix+json', JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: objects.filter((o) => shown.some((x) => x.id === o.id)) }, null, 2))}>
          {i18n.t('Export as STIX 2.1')}
        </button>
        <button type="button" onClick={() => download(`${base}.csv`, 'text/csv', ['type,name,pattern,tlp,valid_from,valid_until,modified', ...shown.map((o) => [o.type, o.name, o.pattern, o.marking, o.valid_from, o.valid_until, o.modified].map(csvCell).join(','))].join('\n'))}>
          {i18n.t('Export as CSV')}
        </button>
      </div>
      <DataTable caption="Objects of the collection" rows={shown} columns={['type', 'name', 'pattern', 'marking', 'valid_from', 'valid_until', 'related', 'modified']} empty="No objects in this collection for you." />
    </div>
  );
}

function TaxiiCollections() {
  const { state, collections, error: listError } = useTaxiiCollections();
  const [picked, setPicked] = useState<(Row & { root: string }) | null>(null);
  const [objects, setObjects] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!picked) return;
    setObjects(null);
    taxii<{ objects?: Row[] }>(`${picked.root}collections/${encodeURIComponent(String(picked.id))}/objects/?limit=100`)
      .then((r) => setObjects(r.objects ?? []))
      .catch(setError);
  }, [picked]);

  if (state === 'none') return <NotAvailable what="a TAXII 2.1 server" expected="GET /taxii2/ (discovery)" />;
  if (state === 'loading') return <p className="muted">{i18n.t('Loading…')}</p>;
  return (
    <>
      <ErrorNote error={listError ?? error} />
      <DataTable caption="TAXII collections" rows={collections} columns={['title', 'description', 'can_read', 'can_write']} onPick={(r) => setPicked(r as Row & { root: string })} picked={picked?.id} empty="No collection is readable by you." />
      {picked && objects ? <ObjectBrowser objects={objects} collection={String(picked.title ?? picked.id)} /> : null}
    </>
  );
}

export function IntelSection({ spec }: { spec: Spec; me: Me }) {
  const route = spec.find('GET', /^\/api\/v1\/intel(ligence)?(\/objects|\/indicators)?$/, /^\/api\/v1\/intel(ligence)?\/shared$/);
  if (route) {
    return (
      <ApiList
        spec={spec}
        title="Intelligence"
        what="intelligence"
        patterns={[new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)]}
        expected={`GET ${route.path}`}
        render={(rows) => <DataTable caption="Intelligence" rows={rows.map((o) => ({ ...o, marking: tlp(o) }))} columns={['type', 'name', 'tier', 'tlp', 'marking', 'modified', 'created']} />}
      />
    );
  }
  return (
    <Section title="Intelligence shared with you (TAXII 2.1)">
      <TaxiiCollections />
    </Section>
  );
}

export function IntelView({ me, spec }: { me: Me; spec: Spec }) {
  return (
    <div className="stack">
      <IntelSection me={me} spec={spec} />
    </div>
  );
}
