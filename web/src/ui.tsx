/** Building blocks shared by the views: sections, honest empty states, tables, forms from schemas. */
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, rowsOf, type JsonSchema, type Route, type Spec } from './api.js';
import i18n, { formatNumber, formatTime } from './i18n.js';
import { FIELD_LABELS } from './locales/fields.js';
import { subscribeChanges } from './changes.js';

/** `title` is English; it is shown in the viewer's language (natural keys of i18n.ts) */
export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-head">
        <h2 id={id}>{t(title)}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** The state of a view whose API this server does not offer yet. Never shows made-up data. */
export function NotAvailable({ what, expected }: { what: string; expected: string }) {
  const { t } = useTranslation();
  return (
    <div className="not-available" role="status">
      <strong>{t('Not available yet.')}</strong> {t('This server does not offer {{what}}', { what: t(what) })} (<code>{expected}</code>,{' '}
      <a href="/api/docs">/api/docs</a>). {t('Nothing is shown rather than anything made up.')}
    </div>
  );
}

/** an error in the viewer's language: known codes have their own sentence, else the server's message */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `error:${error.code}`;
    // a code with its own sentence in the viewer's language; else the server's (English) message
    const own = i18n.resolvedLanguage !== 'en' && i18n.exists(key) ? i18n.t(key) : error.message;
    return `${own} (${error.code}, HTTP ${error.status})`;
  }
  if (error instanceof SyntaxError) return i18n.t('A JSON field is not valid JSON: {{message}}', { message: error.message });
  return String((error as Error).message ?? error);
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = errorText(error);
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

/**
 * GETs a path (null: nothing to load). Given `everyMs`, it stays live without re-reading on a timer:
 * it reloads when the server's cheap change counter (GET /api/v1/changes, not audited) says that
 * something of the path's kind changed, so the audit log records what a person looked at, not a clock.
 * A server without that endpoint gets the old timed reload.
 */
export function useLoad<T = unknown>(path: string | null, everyMs?: number): Loaded<T> {
  // the answer is kept with the path it answers, so another path never shows a stale answer
  const [answer, setAnswer] = useState<{ path: string; data: T } | null>(null);
  const [failure, setFailure] = useState<{ path: string; error: unknown } | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const data = answer && answer.path === path ? answer.data : null;
  const error = failure && failure.path === path ? failure.error : null;
  const setError = (e: unknown) => setFailure(path ? { path, error: e } : null);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    api<T>('GET', path)
      .then((d) => {
        if (!live) return;
        setAnswer({ path, data: d });
        setFailure(null);
      })
      .catch((e: unknown) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, tick]);
  useEffect(() => {
    if (!everyMs || !path) return;
    return subscribeChanges(path, everyMs, reload);
  }, [everyMs, path, reload]);
  return { data, error, loading, reload };
}

/** a value for a person: times in the viewer's zone with the offset, numbers and dates in the locale's format */
export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (v > 1e12 && v < 1e14) return formatTime(new Date(v));
    return Number.isInteger(v) ? formatNumber(v) : formatNumber(v, 3);
  }
  if (typeof v === 'boolean') return v ? i18n.t('yes') : i18n.t('no');
  if (typeof v === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : formatTime(d);
    }
    return v;
  }
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object') ? v.join(', ') : i18n.t('{{count}} items', { count: v.length });
  return JSON.stringify(v).slice(0, 80);
}

/** a table cell: fmt, and an API enum value (a state, a kind, a sector) in the viewer's language */
export function fmtCell(v: unknown): string {
  if (typeof v === 'string' && i18n.resolvedLanguage === 'ja' && i18n.exists(`enum:${v}`)) return i18n.t(`enum:${v}`);
  return fmt(v);
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

/** a field's name for a person: its label from locales/fields.ts in the viewer's language, else made from the key */
export function label(key: string): string {
  const own = FIELD_LABELS[key];
  if (own) return i18n.resolvedLanguage === 'ja' ? own.ja : own.en;
  const s = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
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
  const { t } = useTranslation();
  const cols = columns ?? columnsOf(rows);
  if (rows.length === 0) return <p className="muted">{t(empty)}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="group" aria-label={t(caption)}>
      <table>
        <caption className="sr-only">{t(caption)}</caption>
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
                  const content = cell?.(c, r) ?? fmtCell(r[c]);
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
  query,
}: {
  spec: Spec;
  title: string;
  what: string;
  patterns: RegExp[];
  expected: string;
  everyMs?: number;
  /** a query string for the list (without '?'), e.g. a filter */
  query?: string;
  render?: (rows: Record<string, unknown>[], reload: () => void, route: Route) => ReactNode;
  actions?: (reload: () => void) => ReactNode;
}) {
  const { t } = useTranslation();
  const route = spec.find('GET', ...patterns);
  const loaded = useLoad<unknown>(route ? (query ? `${route.path}?${query}` : route.path) : null, everyMs);
  const rows = rowsOf(loaded.data);
  return (
    <Section title={title} actions={route && actions ? actions(loaded.reload) : undefined}>
      {!route ? (
        <NotAvailable what={what} expected={expected} />
      ) : (
        <>
          <ErrorNote error={loaded.error} />
          {loaded.data === null && !loaded.error ? <p className="muted">{t('Loading…')}</p> : null}
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
type Hints = Record<string, Array<{ value: string; label: string }>>;

/** an enum value for a person (e.g. the report kind 'incident'), in the viewer's language */
export function enumLabel(v: string): string {
  return i18n.t(`enum:${v}`, { defaultValue: v });
}

/** a nested object with its own fields (not a union of alternatives), drawn as a group of inputs */
function isGroup(s: JsonSchema): boolean {
  return typeOf(s) === 'object' && !!s.properties && !s.anyOf && !s.oneOf;
}

/** the body from the form's values (keyed by dotted path), converted to the schema's types */
export function buildBody(schema: JsonSchema, values: Record<string, FieldValue>, prefix = ''): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const path = prefix + k;
    if (isGroup(s)) {
      const sub = buildBody(s, values, `${path}.`);
      if (Object.keys(sub).length || required.has(k)) body[k] = sub;
      continue;
    }
    const v = values[path];
    const t = typeOf(s);
    if (t === 'boolean') {
      if (v !== undefined || required.has(k)) body[k] = v === true;
      continue;
    }
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (t === 'integer' || t === 'number') body[k] = Number(v);
    else if (t === 'array' && Array.isArray(v)) body[k] = v;
    else if (t === 'array' && typeof v === 'string' && s.items && typeOf(s.items) === 'string' && !v.trim().startsWith('[')) body[k] = v.split(/[\s,]+/).filter(Boolean);
    else if ((t === 'object' || t === 'array') && typeof v === 'string') body[k] = JSON.parse(v);
    else if (s.format === 'date-time' && typeof v === 'string') body[k] = new Date(v).toISOString();
    else body[k] = v;
  }
  return body;
}

function Fields({
  schema,
  prefix,
  values,
  set,
  hints,
  skip,
  formId,
}: {
  schema: JsonSchema;
  prefix: string;
  values: Record<string, FieldValue>;
  set: (k: string, v: FieldValue) => void;
  hints: Hints;
  skip: Record<string, unknown>;
  formId: string;
}) {
  const { t: tr } = useTranslation();
  // a property with a default is filled by the server when left out: not required here
  const required = new Set((schema.required ?? []).filter((k) => schema.properties?.[k]?.default === undefined));
  return (
    <>
      {Object.entries(schema.properties ?? {})
        .filter(([k]) => !(prefix === '' && k in skip))
        .map(([k, s]) => {
          const path = prefix + k;
          const id = `${formId}-${path.replace(/\./g, '-')}`;
          const t = typeOf(s);
          const name = `${label(k)}${required.has(k) ? ' *' : ''}`;
          // the schema's description is English; a Japanese viewer gets the field's own hint where one is written
          const hint = s.description ? <span className="hint">{tr(s.description)}</span> : null;
          if (isGroup(s)) {
            return (
              <fieldset className="field group" key={path}>
                <legend>{name}</legend>
                <Fields schema={s} prefix={`${path}.`} values={values} set={set} hints={hints} skip={skip} formId={formId} />
              </fieldset>
            );
          }
          if (t === 'boolean') {
            return (
              <div className="field check" key={path}>
                <input id={id} type="checkbox" checked={values[path] === true} onChange={(e) => set(path, e.target.checked)} />
                <label htmlFor={id}>{name}</label>
                {hint}
              </div>
            );
          }
          const itemChoices = t === 'array' && s.items ? (enumOf(s.items) ?? hints[k]?.map((h) => h.value) ?? null) : null;
          if (itemChoices) {
            const cur = (values[path] as string[] | undefined) ?? [];
            const names = new Map((hints[k] ?? []).map((h) => [h.value, h.label]));
            return (
              <fieldset className="field" key={path}>
                <legend>{name}</legend>
                <div className="choices">
                  {itemChoices.length === 0 ? <span className="muted small">{tr('none to choose from')}</span> : null}
                  {itemChoices.map((c) => (
                    <label key={c} className="choice">
                      <input type="checkbox" checked={cur.includes(c)} onChange={(e) => set(path, e.target.checked ? [...cur, c] : cur.filter((x) => x !== c))} /> {names.get(c) ?? enumLabel(c)}
                    </label>
                  ))}
                </div>
              </fieldset>
            );
          }
          const choices = enumOf(s);
          const options = choices?.map((c) => ({ value: c, label: enumLabel(c) })) ?? hints[k];
          const value = (values[path] as string | undefined) ?? '';
          const long = (s.maxLength ?? 0) > 300 && !/password/i.test(k);
          return (
            <div className="field" key={path}>
              <label htmlFor={id}>{name}</label>
              {options ? (
                <select id={id} value={value} required={required.has(k)} onChange={(e) => set(path, e.target.value)}>
                  <option value="">{required.has(k) ? tr('choose…') : tr('(none)')}</option>
                  {options.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : t === 'array' && s.items && typeOf(s.items) === 'string' ? (
                <textarea id={id} rows={2} placeholder={tr('one or more, separated by commas or new lines')} value={value} required={required.has(k)} onChange={(e) => set(path, e.target.value)} />
              ) : t === 'object' || t === 'array' ? (
                <textarea id={id} rows={2} placeholder={t === 'array' ? tr('JSON list, e.g. []') : tr('JSON object')} value={value} required={required.has(k)} onChange={(e) => set(path, e.target.value)} />
              ) : long ? (
                <textarea id={id} rows={3} value={value} required={required.has(k)} minLength={s.minLength} maxLength={s.maxLength} onChange={(e) => set(path, e.target.value)} />
              ) : (
                <input
                  id={id}
                  type={t === 'integer' || t === 'number' ? 'number' : /password/i.test(k) ? 'password' : s.format === 'date-time' ? 'datetime-local' : 'text'}
                  value={value}
                  required={required.has(k)}
                  minLength={s.minLength}
                  maxLength={s.maxLength}
                  min={s.minimum}
                  max={s.maximum}
                  placeholder={s.pattern ? tr('pattern {{pattern}}', { pattern: s.pattern }) : undefined}
                  autoComplete={/password/i.test(k) ? 'new-password' : 'off'}
                  onChange={(e) => set(path, e.target.value)}
                />
              )}
              {hint}
            </div>
          );
        })}
    </>
  );
}

/**
 * Inputs for each property of an object schema: text, number, checkbox, a select for an enum, a list of
 * checkboxes for an array of enum (or of hinted ids), a group of fields for a nested object, a JSON text
 * area for lists of objects and unions. `fixed` fields are filled by the view (an id it knows) and not
 * shown; `hints` offer choices for free text fields (e.g. ids).
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
  hints?: Hints;
  initial?: Record<string, FieldValue>;
}) {
  const [values, setValues] = useState<Record<string, FieldValue>>(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = useId().replace(/:/g, '');
  const { t } = useTranslation();
  const anyRequired = (schema.required ?? []).some((k) => !(k in fixed) && schema.properties?.[k]?.default === undefined);

  const set = (k: string, v: FieldValue) => setValues((o) => ({ ...o, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const body = { ...buildBody({ ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !(k in fixed))) }, values), ...fixed };
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
    <form className="schema-form" onSubmit={(e) => void submit(e)}>
      {anyRequired ? <p className="required-note">{t('Fields marked * are required.')}</p> : null}
      <Fields schema={schema} prefix="" values={values} set={set} hints={hints} skip={fixed} formId={formId} />
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {busy ? t('Working…') : t(submitLabel)}
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
  initial,
}: {
  spec: Spec;
  patterns: RegExp[];
  what: string;
  expected: string;
  submitLabel: string;
  fixed?: Record<string, unknown>;
  hints?: Hints;
  params?: Record<string, string>;
  onDone?: (answer: unknown) => void;
  method?: string;
  initial?: Record<string, string | boolean | string[]>;
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
      initial={initial ?? {}}
      onSubmit={async (body) => {
        const answer = await api(method, path, body);
        onDone?.(answer);
      }}
    />
  );
}
