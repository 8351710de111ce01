/** Login, then one view per role the person holds (roles from /api/v1/me, never from the client). */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, loadSpec, login, logout, type Me, type Spec } from './api.js';
import { ErrorNote } from './ui.js';
import { AdminView } from './views/Admin.js';
import { AnalystView } from './views/Analyst.js';
import { OperatorView } from './views/Operator.js';
import { CommissionView } from './views/Commission.js';
import { IntelView } from './views/Intel.js';
import { ApprovalsView } from './views/Approvals.js';
import { SectorExposure } from './views/Exposure.js';

interface ViewDef {
  id: string;
  title: string;
  roles: string[];
  render: (me: Me, spec: Spec) => React.ReactNode;
}

export const VIEWS: ViewDef[] = [
  { id: 'analysis', title: 'Analysis', roles: ['agency_analyst', 'agency_lead'], render: (me, spec) => <AnalystView me={me} spec={spec} /> },
  // issue #25: the sector's vulnerability exposure over time (the operator's is on top of its own view)
  { id: 'sector-exposure', title: 'Sector exposure', roles: ['agency_analyst', 'agency_lead'], render: (me, spec) => <SectorExposure me={me} spec={spec} /> },
  { id: 'approvals', title: 'Approvals', roles: ['agency_lead'], render: (me, spec) => <ApprovalsView me={me} spec={spec} /> },
  { id: 'operator', title: 'Reports and systems', roles: ['operator'], render: (me, spec) => <OperatorView me={me} spec={spec} /> },
  { id: 'oversight', title: 'Oversight', roles: ['commission_member', 'auditor'], render: (me, spec) => <CommissionView me={me} spec={spec} /> },
  { id: 'intel', title: 'Shared intelligence', roles: ['partner', 'carrier'], render: (me, spec) => <IntelView me={me} spec={spec} /> },
  { id: 'admin', title: 'Administration', roles: ['admin'], render: (me, spec) => <AdminView me={me} spec={spec} /> },
];

const ROLE_NAMES: Record<string, string> = {
  agency_analyst: 'agency analyst',
  agency_lead: 'agency lead',
  operator: 'operator',
  carrier: 'carrier',
  commission_member: 'commission member',
  auditor: 'auditor',
  partner: 'partner',
  admin: 'administrator',
};

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [spec, setSpec] = useState<Spec | null>(null);
  const [view, setView] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const main = useRef<HTMLElement>(null);

  async function enter(who: Me) {
    // the roles shown are the server's answer to /me, not the login form's
    const confirmed = await api<Me>('GET', '/api/v1/me');
    const s = await loadSpec();
    setSpec(s);
    setMe(confirmed);
    setView(VIEWS.find((v) => v.roles.some((r) => confirmed.roles.includes(r)))?.id ?? null);
    void who;
  }

  useEffect(() => {
    if (me) main.current?.focus();
  }, [me, view]);

  if (!me || !spec) {
    return (
      <Shell>
        <LoginForm
          onLogin={async (u, p) => {
            setError(null);
            try {
              await enter(await login(u, p));
            } catch (e) {
              setError(e);
            }
          }}
          error={error}
        />
      </Shell>
    );
  }

  const mine = VIEWS.filter((v) => v.roles.some((r) => me.roles.includes(r)));
  const current = mine.find((v) => v.id === view) ?? mine[0];
  return (
    <Shell
      bar={
        <div className="who">
          <span>
            {me.username} · {me.roles.map((r) => ROLE_NAMES[r] ?? r).join(', ')} · {me.orgKind}
          </span>
          <button
            type="button"
            onClick={() => {
              void logout().finally(() => {
                setMe(null);
                setSpec(null);
              });
            }}
          >
            Log out
          </button>
        </div>
      }
    >
      {mine.length > 1 ? (
        <nav aria-label="Views" className="views">
          {mine.map((v) => (
            <button key={v.id} type="button" aria-current={v.id === current?.id ? 'page' : undefined} onClick={() => setView(v.id)}>
              {v.title}
            </button>
          ))}
        </nav>
      ) : null}
      <main ref={main} tabIndex={-1} aria-label={current?.title ?? 'Dashboard'} data-view={current?.id}>
        {current ? current.render(me, spec) : <p>Your roles have no view in the dashboard; the API is described at <a href="/api/docs">/api/docs</a>.</p>}
      </main>
    </Shell>
  );
}

function Shell({ children, bar }: { children: React.ReactNode; bar?: React.ReactNode }) {
  return (
    <div className="shell">
      <a
        className="skip"
        href="#content"
        onClick={(e) => {
          // focus moves to the content without touching the URL's hash (it names the page shown, e.g. #/infrastructure/…)
          e.preventDefault();
          const target = document.querySelector<HTMLElement>('main');
          if (!target) return;
          if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
          target.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ▲
          </span>
          <span>
            <strong>ACD</strong> <span className="muted">active cyber defence</span>
          </span>
        </div>
        {bar}
      </header>
      <div id="content" className="content">
        {children}
      </div>
      <footer className="foot">
        IP geolocation by DB-IP (<a href="https://db-ip.com">https://db-ip.com</a>), CC BY 4.0; ASN data from @ip-location-db/asn.
        <span className="muted"> · API: <a href="/api/docs">/api/docs</a></span>
      </footer>
    </div>
  );
}

function LoginForm({ onLogin, error }: { onLogin: (u: string, p: string) => Promise<void>; error: unknown }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      await onLogin(username, password);
    } finally {
      setBusy(false);
    }
  }
  const rateLimited = error instanceof ApiError && error.status === 429;
  return (
    <main className="login" aria-label="Log in">
      <form onSubmit={(e) => void submit(e)} className="card">
        <h1>Log in</h1>
        <div className="field">
          <label htmlFor="username">Username</label>
          <input id="username" name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <ErrorNote error={error} />
        {rateLimited ? <p className="muted">Wait before trying again.</p> : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted small">
          With <code>npm start</code>, the demo people and their passwords are printed in the terminal.
        </p>
      </form>
    </main>
  );
}
