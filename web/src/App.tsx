/** Login, then one view per role the person holds (roles from /api/v1/me, never from the client). */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api, ApiError, hasCsrf, loadSpec, login, logout, setCsrf, type Me, type Spec } from './api.js';
import { LANGUAGES } from './i18n.js';
import { ErrorNote } from './ui.js';
import { AdminView } from './views/Admin.js';
import { AnalystView } from './views/Analyst.js';
import { OperatorView } from './views/Operator.js';
import { CommissionView } from './views/Commission.js';
import { IntelView } from './views/Intel.js';
import { ApprovalsView } from './views/Approvals.js';
import { SectorExposure } from './views/Exposure.js';
import { MinistryView } from './views/Ministry.js';
import { SharingView } from './views/Sharing.js';
import { OperationsView } from './views/Operations.js';
import { CarrierView } from './views/Carrier.js';

interface ViewDef {
  id: string;
  /** English title; shown through t() */
  title: string;
  roles: string[];
  /** shown only to people of these organisation kinds / never to these */
  orgKinds?: string[];
  notOrgKinds?: string[];
  render: (me: Me, spec: Spec) => React.ReactNode;
}

/** whether a view is for this person: one of its roles, and its organisation's kind where the view says */
export function viewFits(v: ViewDef, me: Me): boolean {
  if (!v.roles.some((r) => me.roles.includes(r))) return false;
  if (v.orgKinds && !v.orgKinds.includes(me.orgKind)) return false;
  return !v.notOrgKinds?.includes(me.orgKind);
}

export const VIEWS: ViewDef[] = [
  { id: 'ministry', title: 'Sector reports', roles: ['agency_analyst', 'agency_lead'], orgKinds: ['ministry'], render: (me, spec) => <MinistryView me={me} spec={spec} /> },
  { id: 'analysis', title: 'Analysis', roles: ['agency_analyst', 'agency_lead'], notOrgKinds: ['ministry', 'executor'], render: (me, spec) => <AnalystView me={me} spec={spec} /> },
  // the agency's and the executing organisation's operations: draft, plan, request; execute, verify, lift
  { id: 'operations', title: 'Operations', roles: ['agency_analyst', 'agency_lead'], orgKinds: ['agency', 'executor'], render: (me, spec) => <OperationsView me={me} spec={spec} /> },
  // issue #25: the sector's vulnerability exposure over time (the operator's is on top of its own view)
  { id: 'sector-exposure', title: 'Sector exposure', roles: ['agency_analyst', 'agency_lead'], notOrgKinds: ['executor'], render: (me, spec) => <SectorExposure me={me} spec={spec} /> },
  { id: 'approvals', title: 'Approvals', roles: ['agency_lead'], render: (me, spec) => <ApprovalsView me={me} spec={spec} /> },
  { id: 'operator', title: 'Reports and systems', roles: ['operator'], render: (me, spec) => <OperatorView me={me} spec={spec} /> },
  { id: 'oversight', title: 'Oversight', roles: ['commission_member', 'auditor'], render: (me, spec) => <CommissionView me={me} spec={spec} /> },
  // a carrier's links: the approvals covering them and the gate's counts (#22)
  { id: 'carrier', title: 'Your links', roles: ['carrier'], orgKinds: ['carrier'], render: (me, spec) => <CarrierView me={me} spec={spec} /> },
  { id: 'intel', title: 'Shared intelligence', roles: ['partner', 'carrier'], render: (me, spec) => <IntelView me={me} spec={spec} /> },
  { id: 'admin', title: 'Administration', roles: ['admin'], render: (me, spec) => <AdminView me={me} spec={spec} /> },
  { id: 'sharing', title: 'Sharing', roles: ['agency_lead', 'admin'], render: (me, spec) => <SharingView me={me} spec={spec} /> },
];

/** a role's name in the viewer's language */
export function roleName(t: TFunction, r: string): string {
  const names: Record<string, string> = {
    agency_analyst: t('agency analyst'),
    agency_lead: t('agency lead'),
    operator: t('operator'),
    carrier: t('carrier'),
    commission_member: t('commission member'),
    auditor: t('auditor'),
    partner: t('partner'),
    admin: t('administrator'),
    executor: t('executor'),
  };
  return names[r] ?? r;
}

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang inline">
      <span className="sr-only">{t('Language')}</span>
      <select value={i18n.resolvedLanguage ?? 'en'} onChange={(e) => void i18n.changeLanguage(e.target.value)} aria-label={t('Language')}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function App() {
  const { t } = useTranslation();
  const [me, setMe] = useState<Me | null>(null);
  const [spec, setSpec] = useState<Spec | null>(null);
  const [view, setView] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // a reload resumes a session still valid (cookie + this tab's CSRF token) instead of showing the login form
  const [resuming, setResuming] = useState(hasCsrf());
  const main = useRef<HTMLElement>(null);

  async function enter(who: Me) {
    // the roles shown are the server's answer to /me, not the login form's
    const confirmed = await api<Me>('GET', '/api/v1/me');
    const s = await loadSpec();
    setSpec(s);
    setMe(confirmed);
    setView(VIEWS.find((v) => viewFits(v, confirmed))?.id ?? null);
    void who;
  }

  useEffect(() => {
    if (!resuming) return;
    let live = true;
    api<Me>('GET', '/api/v1/me')
      .then((who) => (live ? enter(who) : undefined))
      .catch(() => setCsrf(null))
      .finally(() => live && setResuming(false));
    return () => {
      live = false;
    };
    // once, at load
  }, []);

  useEffect(() => {
    if (me) main.current?.focus();
  }, [me, view]);

  if (resuming) {
    return (
      <Shell>
        <p className="muted" role="status">
          {t('Loading…')}
        </p>
      </Shell>
    );
  }

  if (!me || !spec) {
    return (
      <Shell bar={<LanguagePicker />}>
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

  const mine = VIEWS.filter((v) => viewFits(v, me));
  const current = mine.find((v) => v.id === view) ?? mine[0];
  return (
    <Shell
      bar={
        <div className="who">
          <span>
            {me.username} · {me.roles.map((r) => roleName(t, r)).join(t(', '))} · {t(`org:${me.orgKind}`, { defaultValue: me.orgKind })}
          </span>
          <LanguagePicker />
          <button
            type="button"
            onClick={() => {
              // the views go first (their live polls stop), then the session: no request after it ends
              setMe(null);
              setSpec(null);
              void logout();
            }}
          >
            {t('Log out')}
          </button>
        </div>
      }
    >
      {mine.length > 1 ? (
        <nav aria-label={t('Views')} className="views">
          {mine.map((v) => (
            <button key={v.id} type="button" aria-current={v.id === current?.id ? 'page' : undefined} onClick={() => setView(v.id)}>
              {t(v.title)}
            </button>
          ))}
        </nav>
      ) : null}
      <main ref={main} tabIndex={-1} aria-label={t(current?.title ?? 'Dashboard')} data-view={current?.id}>
        {current ? (
          current.render(me, spec)
        ) : (
          <p>
            {t('Your roles have no view in the dashboard; the API is described at')} <a href="/api/docs">/api/docs</a>.
          </p>
        )}
      </main>
    </Shell>
  );
}

function Shell({ children, bar }: { children: React.ReactNode; bar?: React.ReactNode }) {
  const { t } = useTranslation();
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
        {t('Skip to content')}
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ▲
          </span>
          <span>
            <strong>ACD</strong> <span className="muted">{t('active cyber defence')}</span>
          </span>
        </div>
        {bar}
      </header>
      <div id="content" className="content">
        {children}
      </div>
      <footer className="foot">
        {t('IP geolocation by DB-IP')} (<a href="https://db-ip.com">https://db-ip.com</a>), CC BY 4.0; {t('ASN data from @ip-location-db/asn.')}
        <span className="muted"> · API: <a href="/api/docs">/api/docs</a></span>
      </footer>
    </div>
  );
}

function LoginForm({ onLogin, error }: { onLogin: (u: string, p: string) => Promise<void>; error: unknown }) {
  const { t } = useTranslation();
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
    <main className="login" aria-label={t('Log in')}>
      <form onSubmit={(e) => void submit(e)} className="card">
        <h1>{t('Log in')}</h1>
        <div className="field">
          <label htmlFor="username">{t('Username')}</label>
          <input id="username" name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">{t('Password')}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <ErrorNote error={error} />
        {rateLimited ? <p className="muted">{t('Wait before trying again.')}</p> : null}
        <button type="submit" disabled={busy}>
          {busy ? t('Logging in…') : t('Log in')}
        </button>
        <p className="muted small">{t('With npm start, the demo people and their passwords are printed in the terminal.')}</p>
      </form>
    </main>
  );
}
