/**
 * A real ACD server for tests (embedded store in memory, routes driven through Fastify's inject), with
 * one organisation of each kind, one person per role and a token for each, and the log captured.
 */
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { validateConfig, type ConfigInput } from '../../src/config/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { buildServer, type RouteModule } from '../../src/server/app.js';
import type { DeclaredRoute } from '../../src/server/access.js';
import { createLogger } from '../../src/shared/log.js';
import { createMetricsRegistry } from '../../src/shared/metrics.js';
import {
  ROLES,
  ROLES_BY_ORG_KIND,
  SYSTEM_ACTOR,
  createLoginThrottle,
  createOrganisation,
  createPerson,
  issueToken,
  type OrgKind,
  type Role,
} from '../../src/auth/index.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestPerson {
  userId: string;
  username: string;
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  token: string;
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  routes: DeclaredRoute[];
  /** one person per role, in its home organisation */
  people: Record<Role, TestPerson>;
  /** a second person per role in a second organisation of the same kind */
  others: Record<Role, TestPerson>;
  logText(): string;
  close(): Promise<void>;
}

/** The organisation kind a person with this role belongs to in the fixtures. */
export function homeKind(role: Role): OrgKind {
  const kinds = Object.entries(ROLES_BY_ORG_KIND) as Array<[OrgKind, readonly Role[]]>;
  if (role === 'commission_member' || role === 'auditor') return 'commission';
  return kinds.find(([, roles]) => roles.includes(role))![0];
}

export async function createTestApp(
  config: ConfigInput = {},
  extraModules: RouteModule[] = [],
  opts: { open?: () => Promise<Store> } | (() => Promise<Store>) = {},
): Promise<TestApp> {
  // `open`: another engine (see stores.ts engineCases); the embedded store in memory by default
  const open = typeof opts === 'function' ? opts : opts.open;
  const store = open ? await open() : await openStore({ data: 'memory://' });
  let log = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  // (#19) each test server signs its in-memory log with a key of its own: a key signs one log, and its signer state remembers that log's heads
  const keyDir = mkdtempSync(join(tmpdir(), 'acd-test-key-'));
  const cfg = validateConfig({ logLevel: 'info', auditLogKey: join(keyDir, 'audit-log-key.pem'), ...config });
  const logger = createLogger({ level: cfg.logLevel, destination: sink });
  const { app, routes } = await buildServer(
    {
      config: cfg,
      store,
      logger,
      registry: createMetricsRegistry(),
      throttle: createLoginThrottle({ maxAttempts: cfg.loginMaxAttempts, windowSeconds: cfg.loginWindowSeconds }),
      startedAt: new Date(),
    },
    extraModules,
  );

  const orgs = new Map<string, string>();
  const orgFor = async (kind: OrgKind, n: number): Promise<string> => {
    const key = `${kind}${n}`;
    if (!orgs.has(key)) {
      const org = await createOrganisation(store.db, SYSTEM_ACTOR, { name: `Test ${kind} ${n}`, kind, sector: kind === 'operator' ? 'electricity' : null });
      orgs.set(key, org.id);
    }
    return orgs.get(key)!;
  };
  const makePeople = async (n: number): Promise<Record<Role, TestPerson>> => {
    const out = {} as Record<Role, TestPerson>;
    for (const role of ROLES) {
      const kind = homeKind(role);
      const orgId = await orgFor(kind, n);
      const username = `${role.replace('_', '-')}-${n}`;
      const user = await createPerson(store.db, SYSTEM_ACTOR, { orgId, username, displayName: username, password: TEST_PASSWORD, roles: [role] });
      const tok = await issueToken(store.db, SYSTEM_ACTOR, user.id, 'test', null);
      out[role] = { userId: user.id, username, orgId, orgKind: kind, role, token: tok.token };
    }
    return out;
  };
  const people = await makePeople(1);
  const others = await makePeople(2);
  return {
    app,
    store,
    routes,
    people,
    others,
    logText: () => log,
    async close() {
      await app.close();
      await store.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (p: TestPerson): Record<string, string> => ({ authorization: `Bearer ${p.token}` });
