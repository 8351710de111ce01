/**
 * A TAXII 2.1 client for tests, written from the specification (not from ACD's server code): it only
 * knows URLs, media types, the envelope and the headers. `send` is how it reaches a server (Fastify's
 * inject in tests, fetch against a real one).
 */
export const TAXII = 'application/taxii+json;version=2.1';

export interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type Send = (method: 'GET' | 'POST' | 'DELETE', path: string, headers: Record<string, string>, body?: string) => Promise<Resp>;

export interface Envelope {
  more?: boolean;
  next?: string;
  objects?: Array<{ id: string; type: string; [k: string]: unknown }>;
}

export class SpecClient {
  constructor(
    private readonly send: Send,
    private readonly auth: Record<string, string>,
  ) {}

  async get(path: string): Promise<Resp> {
    const r = await this.send('GET', path, { ...this.auth, accept: TAXII });
    return r;
  }

  async post(path: string, envelope: unknown): Promise<Resp> {
    return this.send('POST', path, { ...this.auth, accept: TAXII, 'content-type': TAXII }, JSON.stringify(envelope));
  }

  /** §5.7: DELETE of an object (its URL may carry match[version] / match[spec_version]) */
  async delete(path: string): Promise<Resp> {
    return this.send('DELETE', path, { ...this.auth, accept: TAXII });
  }

  /** GET that must succeed with the TAXII media type. */
  async ok<T>(path: string): Promise<T> {
    const r = await this.get(path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    if (String(r.headers['content-type']) !== TAXII) throw new Error(`GET ${path}: content type ${String(r.headers['content-type'])}`);
    return r.body as T;
  }

  /**
   * Walks every page of a collection's objects by `next` (§3.4.3), calling `between` after each page
   * (where a test adds objects). Returns every object version seen and the last X-TAXII-Date-Added-Last.
   */
  async walk(objectsUrl: string, limit: number, between?: (page: number) => Promise<void>): Promise<{ objects: Envelope['objects'] & object; lastAdded: string | null; pages: number }> {
    const out: NonNullable<Envelope['objects']> = [];
    let next: string | undefined;
    let lastAdded: string | null = null;
    let pages = 0;
    for (;;) {
      const q = new URLSearchParams({ limit: String(limit), ...(next ? { next } : {}) });
      const r = await this.get(`${objectsUrl}?${q}`);
      if (r.status !== 200) throw new Error(`GET ${objectsUrl}: ${r.status} ${JSON.stringify(r.body)}`);
      const env = r.body as Envelope;
      pages++;
      const first = r.headers['x-taxii-date-added-first'];
      const last = r.headers['x-taxii-date-added-last'];
      if (env.objects?.length) {
        if (typeof first !== 'string' || typeof last !== 'string') throw new Error('a page of objects without X-TAXII-Date-Added-First/Last');
        if (lastAdded !== null && first <= lastAdded) throw new Error(`page ${pages} starts at ${first}, not after ${lastAdded}`);
        lastAdded = last;
        out.push(...env.objects);
      }
      if (between) await between(pages);
      if (!env.more) break;
      if (!env.next) throw new Error('more is true but there is no next');
      next = env.next;
      if (pages > 10000) throw new Error('the walk does not end');
    }
    return { objects: out, lastAdded, pages };
  }
}

/** The path of an absolute URL (the server names API roots by absolute URL, §4.1). */
export function pathOf(url: string): string {
  return new URL(url, 'http://x').pathname;
}
