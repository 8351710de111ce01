/** Building blocks shared by the views: sections, honest empty states, tables, forms from schemas. */
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, rowsOf, type JsonSchema, type Route, type Spec } from './api.js';

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** The state of a view whose API this server does not offer yet. Never shows made-up data. */
export function NotAvailable({ what, expected }: { what: string; expected: string }) {
  return (
    <div className="not-available" role="status">
      <strong>Not available yet.</strong> This server does not offer {what} (looked for <code>{expected}</code> in its API
      description at <a href="/api/docs">/api/docs</a>). Nothing is shown rather than anything made up.
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof ApiError ? `${error.message} (${error.code}, HTTP ${error.status})` : String((error as Error).message ?? error);
  return (
    <p className="error" role="alert">
      {msg}
    </p>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** GETs a path (null: nothing to load) and reloads every `everyMs` when given */
export function useLoad<T = unknown>(path: string | null, everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    api<T>('GET', path)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, tick]);
  useEffect(() => {
    if (!everyMs || !path) return;
    const t = setInterval(reload, everyMs);
    return () => clearInterval(t);
  }, [everyMs, path, reload]);
  return { data, error, loading, reload };
}

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (v > 1e12 && v < 1e14) return new Date(v).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    return Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(3);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.replace('T', ' ').slice(0, 19) + 'Z' : v;
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object') ? v.join(', ') : `${v.length} items`;
  return JSON.stringify(v).slice(0, 80);
}

/** the columns worth a table: scalar fields first seen in the rows, at most `max` */
export function columnsOf(rows: Record<string, unknown>[], max = 7, prefer: string[] = []): string[] {
  const seen: string[] = [];
  for (const r of rows.slice(0, 20)) {
    for (const [k, v] of Object.entries(r)) {
      if (seen.includes(k)) continue;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) continue;
      seen.push(k);
    }
  }
  const ordered = [...prefer.filter((p) => seen.includes(p)), ...seen.filter((k) => !prefer.includes(k) && k !== 'id')];
  return ordered.slice(0, max);
}

export function label(key: string): string {
  const s = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A table of rows; a row can be chosen (button in its first cell) when `onPick` is given. */
export function DataTable({
  rows,
  columns,
  caption,
  onPick,
  picked,
  cell,
  empty = 'Nothing here yet.',
}: {
  rows: Record<string, unknown>[];
  columns?: string[];
  caption: string;
  onPick?: (row: Record<string, unknown>) => void;
  picked?: unknown;
  cell?: (key: string, row: Record<string, unknown>) => ReactNode | undefined;
  empty?: string;
}) {
  const cols = columns ?? columnsOf(rows);
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {label(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const key = String(r.id ?? r.key ?? i);
            const isPicked = picked !== undefined && picked === (r.id ?? r.key);
            return (
              <tr key={key} className={isPicked ? 'picked' : undefined} aria-selected={onPick ? isPicked : undefined}>
                {cols.map((c, ci) => {
                  const content = cell?.(c, r) ?? fmt(r[c]);
                  return (
                    <td key={c}>
                      {ci === 0 && onPick ? (
                        <button type="button" className="link" onClick={() => onPick(r)} aria-pressed={isPicked}>
                          {content}
                        </button>
                      ) : (
                        content
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A list from the API, found in its OpenAPI description by path patterns. Shows "not available yet"
 * when no such route exists, the API's refusal when it refuses, and the rows otherwise.
 */
export function ApiList({
  spec,
  title,
  what,
  patterns,
  expected,
  everyMs,
  render,
  actions,
}: {
  spec: Spec;
  title: string;
  what: string;
  patterns: RegExp[];
  expected: string;
  everyMs?: number;
  render?: (rows: Record<string, unknown>[], reload: () => void, route: Route) => ReactNode;
  actions?: (reload: () => void) => ReactNode;
}) {
  const route = spec.find('GET', ...patterns);
  const loaded = useLoad<unknown>(route ? route.path : null, everyMs);
  const rows = rowsOf(loaded.data);
  return (
    <Section title={title} actions={route && actions ? actions(loaded.reload) : undefined}>
      {!route ? (
        <NotAvailable what={what} expected={expected} />
      ) : (
        <>
          <ErrorNote error={loaded.error} />
          {loaded.data === null && !loaded.error ? <p className="muted">Loading…</p> : null}
          {loaded.data !== null ? (render ? render(rows, loaded.reload, route) : <DataTable rows={rows} caption={title} />) : null}
        </>
      )}
    </Section>
  );
}

// ---- a form made from a route's request body schema ----

function enumOf(s: JsonSchema): string[] | null {
  if (s.enum) return s.enum.map(String);
  const alts = s.anyOf ?? s.oneOf;
  const nonNull = alts?.filter((a) => a.type !== 'null');
  if (nonNull && nonNull.length && nonNull.every((a) => a.const !== undefined || a.enum)) return nonNull.flatMap((a) => (a.const !== undefined ? [String(a.const)] : (a.enum ?? []).map(String)));
  return null;
}

function typeOf(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t) return t;
  const alts = s.anyOf ?? s.oneOf;
  const nonNull = alts?.find((a) => a.type !== 'null');
  return nonNull ? typeOf(nonNull) : 'string';
}

type FieldValue = string | boolean | string[];

/**
 * Inputs for each property of an object schema: text, number, checkbox, a select for an enum, a list of
 * checkboxes for an array of enum, a JSON text area for anything nested. `fixed` fields are filled by
 * the view (an id it knows) and not shown; `hints` offer choices for free text fields (e.g. ids).
 */
export function SchemaForm({
  schema,
  submitLabel,
  onSubmit,
  fixed = {},
  hints = {},
  initial = {},
}: {
  schema: JsonSchema;
  submitLabel: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  fixed?: Record<string, unknown>;
  hints?: Record<string, Array<{ value: string; label: string }>>;
  initial?: Record<string, FieldValue>;
}) {
  const props = Object.entries(schema.properties ?? {}).filter(([k]) => !(k in fixed));
  const required = new Set(schema.required ?? []);
  const [values, setValues] = useState<Record<string, FieldValue>>(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId();

  const set = (k: string, v: FieldValue) => setValues((o) => ({ ...o, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { ...fixed };
    try {
      for (const [k, s] of props) {
        const v = values[k];
        const t = typeOf(s);
        if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0 && !required.has(k))) continue;
        if (t === 'integer' || t === 'number') body[k] = Number(v);
        else if (t === 'boolean') body[k] = v === true;
        else if (t === 'array' && Array.isArray(v)) body[k] = v;
        else if ((t === 'object' || t === 'array') && typeof v === 'string') body[k] = JSON.parse(v);
        else body[k] = v;
      }
      setBusy(true);
      await onSubmit(body);
      setValues(initial);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="schema-form" onSubmit={(e) => void submit(e)} aria-describedby={`${formId}-err`}>
      {props.map(([k, s]) => {
        const id = `${formId}-${k}`;
        const t = typeOf(s);
        const choices = enumOf(s);
        const itemChoices = t === 'array' && s.items ? enumOf(s.items) : null;
        const name = `${label(k)}${required.has(k) ? ' *' : ''}`;
        const hint = s.description ? <span className="hint">{s.description}</span> : null;
        if (t === 'boolean') {
          return (
            <div className="field check" key={k}>
              <input id={id} type="checkbox" checked={values[k] === true} onChange={(e) => set(k, e.target.checked)} />
              <label htmlFor={id}>{name}</label>
              {hint}
            </div>
          );
        }
        if (itemChoices) {
          const cur = (values[k] as string[] | undefined) ?? [];
          return (
            <fieldset className="field" key={k}>
              <legend>{name}</legend>
              <div className="choices">
                {itemChoices.map((c) => (
                  <label key={c} className="choice">
                    <input type="checkbox" checked={cur.includes(c)} onChange={(e) => set(k, e.target.checked ? [...cur, c] : cur.filter((x) => x !== c))} /> {c}
                  </label>
                ))}
              </div>
            </fieldset>
          );
        }
        const options = choices?.map((c) => ({ value: c, label: c })) ?? hints[k];
        return (
          <div className="field" key={k}>
            <label htmlFor={id}>{name}</label>
            {options ? (
              <select id={id} value={(values[k] as string | undefined) ?? ''} required={required.has(k)} onChange={(e) => set(k, e.target.value)}>
                <option value="">{required.has(k) ? 'choose…' : '(none)'}</option>
                {options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : t === 'object' || t === 'array' ? (
              <textarea id={id} rows={3} placeholder={t === 'array' ? '["…"]' : '{"…": …}'} value={(values[k] as string | undefined) ?? ''} required={required.has(k)} onChange={(e) => set(k, e.target.value)} />
            ) : (s.maxLength ?? 0) > 300 && !/password/i.test(k) ? (
              <textarea id={id} rows={3} value={(values[k] as string | undefined) ?? ''} required={required.has(k)} minLength={s.minLength} maxLength={s.maxLength} onChange={(e) => set(k, e.target.value)} />
            ) : (
              <input
                id={id}
                type={t === 'integer' || t === 'number' ? 'number' : /password/i.test(k) ? 'password' : s.format === 'date-time' ? 'text' : 'text'}
                value={(values[k] as string | undefined) ?? ''}
                required={required.has(k)}
                minLength={s.minLength}
                maxLength={s.maxLength}
                min={s.minimum}
                max={s.maximum}
                placeholder={s.format === 'date-time' ? 'YYYY-MM-DDTHH:MM:SSZ' : s.pattern ? `pattern ${s.pattern}` : undefined}
                autoComplete={/password/i.test(k) ? 'new-password' : 'off'}
                onChange={(e) => set(k, e.target.value)}
              />
            )}
            {hint}
          </div>
        );
      })}
      <div id={`${formId}-err`}>
        <ErrorNote error={error} />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Working…' : submitLabel}
      </button>
    </form>
  );
}

/** A form for a POST route found in the API description, or "not available yet". */
export function ApiAction({
  spec,
  patterns,
  what,
  expected,
  submitLabel,
  fixed,
  hints,
  params,
  onDone,
  method = 'POST',
}: {
  spec: Spec;
  patterns: RegExp[];
  what: string;
  expected: string;
  submitLabel: string;
  fixed?: Record<string, unknown>;
  hints?: Record<string, Array<{ value: string; label: string }>>;
  params?: Record<string, string>;
  onDone?: (answer: unknown) => void;
  method?: string;
}) {
  const route = spec.find(method, ...patterns);
  if (!route) return <NotAvailable what={what} expected={expected} />;
  const schema = spec.bodySchema(method, route.path) ?? { type: 'object', properties: {} };
  const path = route.path.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params?.[k] ?? ''));
  return (
    <SchemaForm
      schema={schema}
      submitLabel={submitLabel}
      fixed={fixed ?? {}}
      hints={hints ?? {}}
      onSubmit={async (body) => {
        const answer = await api(method, path, body);
        onDone?.(answer);
      }}
    />
  );
}
