/**
 * One shared poll of GET /api/v1/changes for every live list of the page: a list is re-read (an
 * audited read) only when the version of its kind of record moved, so an idle tab writes nothing to
 * the audit log. A server without the endpoint falls back to re-reading on the timer.
 */
import { ApiError, api } from './api.js';

interface Subscriber {
  topics: string[];
  onChange: () => void;
  last: string | null;
}

const subscribers = new Set<Subscriber>();
let timer: ReturnType<typeof setTimeout> | null = null;
let every = 5000;
/** null: not known yet; false: the server has no /api/v1/changes */
let supported: boolean | null = null;

/** the kinds of record (audit target types, or 'finding') a list path shows; '*' is any change */
export function topicsOf(path: string): string[] {
  const p = path.split('?')[0]!;
  if (/\/(findings|infrastructure)\b/.test(p)) return ['finding'];
  if (/\/reports\b/.test(p)) return ['report'];
  if (/\/(operations|measures|blocklist|emergenc)/.test(p)) return ['operation', 'operation_measure'];
  if (/\/(selection\/)?approvals\b/.test(p)) return ['approval'];
  if (/\/(intel|taxii)\b/.test(p)) return ['intel_collection', 'intel_group', 'intel_candidate', 'intel_feed'];
  if (/\/(organisations|people)\b/.test(p)) return ['organisation', 'user', 'api_token', 'system'];
  return ['*'];
}

function versionOf(topics: Record<string, string>, wanted: string[]): string {
  if (wanted.includes('*')) return String(Math.max(0, ...Object.entries(topics).filter(([k]) => k !== 'finding').map(([, v]) => Number(v))));
  return wanted.map((t) => topics[t] ?? '0').join(',');
}

async function poll(): Promise<void> {
  timer = null;
  if (subscribers.size === 0) return;
  try {
    const r = await api<{ topics: Record<string, string> }>('GET', '/api/v1/changes');
    supported = true;
    for (const s of subscribers) {
      const v = versionOf(r.topics, s.topics);
      if (s.last !== null && s.last !== v) s.onChange();
      s.last = v;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) supported = false;
    // without the endpoint (or while it fails), every list re-reads on the timer as before
    if (supported === false) for (const s of subscribers) s.onChange();
  }
  if (subscribers.size > 0 && timer === null) timer = setTimeout(() => void poll(), every);
}

/** calls `onChange` when the records a list at `path` shows have changed; returns the unsubscribe */
export function subscribeChanges(path: string, everyMs: number, onChange: () => void): () => void {
  const s: Subscriber = { topics: topicsOf(path), onChange, last: null };
  subscribers.add(s);
  every = Math.min(every, Math.max(2000, everyMs));
  if (timer === null) timer = setTimeout(() => void poll(), 0);
  return () => {
    subscribers.delete(s);
    if (subscribers.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}
