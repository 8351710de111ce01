/**
 * The administrator: organisations, people, API tokens; a person's account (disable, enable, force a
 * password reset, end sessions, revoke tokens) and a carrier organisation's carrier ids (#22).
 */
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, fill, type Me, type Spec } from '../api.js';
import { ApiAction, DataTable, ErrorNote, NotAvailable, Section, fmt, useLoad } from '../ui.js';
import i18n from '../i18n.js';

type Row = Record<string, unknown>;

export function AdminView({ spec }: { me: Me; spec: Spec }) {
  const orgs = useLoad<Row[]>(spec.has('GET', '/api/v1/organisations') ? '/api/v1/organisations' : null);
  const [org, setOrg] = useState<Row | null>(null);
  const [person, setPerson] = useState<Row | null>(null);
  const peoplePath = org && spec.has('GET', '/api/v1/organisations/{orgId}/people') ? fill('/api/v1/organisations/{orgId}/people', { orgId: String(org.id) }) : null;
  const people = useLoad<Row[]>(peoplePath);

  return (
    <div className="grid two">
      <Section title="Organisations">
        {!spec.has('GET', '/api/v1/organisations') ? (
          <NotAvailable what="the list of organisations" expected="GET /api/v1/organisations" />
        ) : (
          <>
            <ErrorNote error={orgs.error} />
            <DataTable
              caption="Organisations"
              rows={orgs.data ?? []}
              columns={['name', 'kind', 'sector', 'country']}
              picked={org?.id}
              onPick={(r) => {
                setOrg(r);
                setPerson(null);
              }}
            />
          </>
        )}
        <details className="form-box">
          <summary>{i18n.t('Create an organisation')}</summary>
          <ApiAction
            spec={spec}
            patterns={[/^\/api\/v1\/organisations$/]}
            what="creating organisations"
            expected="POST /api/v1/organisations"
            submitLabel="Create organisation"
            onDone={(o) => {
              orgs.reload();
              setOrg(o as Row);
            }}
          />
        </details>
      </Section>

      <Section title={org ? i18n.t('People of {{name}}', { name: String(org.name) }) : 'People'}>
        {!org ? (
          <p className="muted">{i18n.t('Choose an organisation to see and add its people.')}</p>
        ) : !peoplePath ? (
          <NotAvailable what="the people of an organisation" expected="GET /api/v1/organisations/{orgId}/people" />
        ) : (
          <>
            <ErrorNote error={people.error} />
            <DataTable
              caption="People"
              rows={people.data ?? []}
              columns={['username', 'displayName', 'roles', 'disabled']}
              picked={person?.id}
              onPick={setPerson}
              empty="No people in this organisation yet."
            />
            <details className="form-box">
              <summary>{i18n.t('Create a person in {{name}}', { name: String(org.name) })}</summary>
              <ApiAction
                key={String(org.id)}
                spec={spec}
                patterns={[/^\/api\/v1\/people$/]}
                what="creating people"
                expected="POST /api/v1/people"
                submitLabel="Create person"
                fixed={{ orgId: org.id }}
                onDone={(p) => {
                  people.reload();
                  setPerson(p as Row);
                }}
              />
            </details>
          </>
        )}
      </Section>

      {org && org.kind === 'carrier' ? <CarrierIds key={`c-${String(org.id)}`} spec={spec} org={org} /> : null}
      {/* keyed by person: a token just issued is never shown under another person's name */}
      {person ? <Account key={`a-${String(person.id)}`} spec={spec} person={person} onChanged={(p) => { setPerson(p); people.reload(); }} /> : null}
      {person ? <Tokens key={String(person.id)} spec={spec} person={person} /> : null}
      <Everyone spec={spec} orgs={orgs.data ?? []} picked={person} onPick={setPerson} version={people.data} />
    </div>
  );
}

/** every person of every organisation, one table (the administrator may read each organisation's people) */
function Everyone({ spec, orgs, picked, onPick, version }: { spec: Spec; orgs: Row[]; picked: Row | null; onPick: (p: Row) => void; version: unknown }) {
  const route = '/api/v1/organisations/{orgId}/people';
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState('');
  const orgIds = orgs.map((o) => String(o.id)).join(',');
  useEffect(() => {
    if (!spec.has('GET', route) || !orgIds) return;
    let live = true;
    void (async () => {
      try {
        const all: Row[] = [];
        for (const o of orgs) {
          const people = await api<Row[]>('GET', fill(route, { orgId: String(o.id) }));
          for (const p of people) all.push({ ...p, organisation: o.name, orgKind: o.kind });
        }
        if (live) {
          setRows(all.sort((a, b) => String(a.username).localeCompare(String(b.username))));
          setError(null);
        }
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
    // reloaded when the organisations change or a person is added
  }, [orgIds, version]);
  const q = filter.trim().toLowerCase();
  const shown = (rows ?? []).filter((p) => !q || [p.username, p.displayName, p.organisation, ...(Array.isArray(p.roles) ? p.roles : [])].some((v) => String(v ?? '').toLowerCase().includes(q)));
  return (
    <Section
      title="Everyone"
      actions={
        <label className="inline">
          {i18n.t('Filter')} <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={i18n.t('name, organisation or role')} />
        </label>
      }
    >
      {!spec.has('GET', route) ? (
        <NotAvailable what="the people of an organisation" expected={`GET ${route}`} />
      ) : (
        <>
          <ErrorNote error={error} />
          {rows === null && !error ? <p className="muted">{i18n.t('Loading…')}</p> : null}
          {rows ? (
            <>
              <p className="small muted">{i18n.t('{{shown}} of {{all}} people in {{orgs}} organisations. Choose one to manage the account and its API tokens.', { shown: shown.length, all: rows.length, orgs: orgs.length })}</p>
              <DataTable caption="Every person of every organisation" rows={shown} columns={['username', 'displayName', 'organisation', 'roles', 'disabled']} picked={picked?.id} onPick={onPick} empty="No one matches." />
            </>
          ) : null}
        </>
      )}
    </Section>
  );
}

function Tokens({ spec, person }: { spec: Spec; person: Row }) {
  const id = String(person.id);
  const listPath = '/api/v1/people/{userId}/tokens';
  const tokens = useLoad<Row[]>(spec.has('GET', listPath) ? fill(listPath, { userId: id }) : null);
  const [issued, setIssued] = useState<Row | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Section title={i18n.t('API tokens of {{username}}', { username: String(person.username) })}>
      {!spec.has('GET', listPath) ? (
        <NotAvailable what="the list of a person's tokens" expected={`GET ${listPath}`} />
      ) : (
        <>
          <ErrorNote error={tokens.error ?? error} />
          <DataTable
            caption="Tokens"
            rows={tokens.data ?? []}
            columns={['name', 'createdAt', 'expiresAt', 'revoked']}
            empty="No tokens."
            cell={(k, r) =>
              k === 'revoked' && r.revoked !== true && spec.has('DELETE', '/api/v1/people/{userId}/tokens/{tokenId}') ? (
                <button
                  type="button"
                  className="danger"
                  aria-label={i18n.t('Revoke token {{name}}', { name: String(r.name) })}
                  onClick={() => {
                    setError(null);
                    api('DELETE', fill('/api/v1/people/{userId}/tokens/{tokenId}', { userId: id, tokenId: String(r.id) }))
                      .then(() => tokens.reload())
                      .catch(setError);
                  }}
                >
                  {i18n.t('Revoke')}
                </button>
              ) : undefined
            }
          />
        </>
      )}
      {issued ? (
        <div className="secret" role="status">
          {i18n.t('New token {{name}}: copy it now, it is shown once:', { name: String(issued.name) })} <code>{String(issued.token)}</code>
        </div>
      ) : null}
      <details className="form-box">
        <summary>{i18n.t('Issue a token')}</summary>
        <ApiAction
          key={id}
          spec={spec}
          patterns={[/^\/api\/v1\/people\/\{userId\}\/tokens$/]}
          params={{ userId: id }}
          what="issuing tokens"
          expected="POST /api/v1/people/{userId}/tokens"
          submitLabel="Issue token"
          onDone={(t) => {
            setIssued(t as Row);
            tokens.reload();
          }}
        />
      </details>
    </Section>
  );
}

/** the reason every account change is recorded with (3 characters at least, as the API wants) */
function ReasonField({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor={id}>{t('Reason (recorded in the audit log)')} *</label>
      <input id={id} required minLength={3} maxLength={1000} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** a person's account: disable or enable, force a password reset, end sessions; each with a reason, audited */
function Account({ spec, person, onChanged }: { spec: Spec; person: Row; onChanged: (p: Row) => void }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const id = String(person.id);
  const disabled = person.disabled === true;
  const sessionsPath = spec.has('GET', '/api/v1/people/{userId}/sessions') ? fill('/api/v1/people/{userId}/sessions', { userId: id }) : null;
  const sessions = useLoad<Row[]>(sessionsPath);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (what: 'disable' | 'enable' | 'password-reset', message: string) => {
    setError(null);
    setDone(null);
    if (reason.trim().length < 3) return setError(new Error(t('Reason: say why, in 3 characters at least.')));
    setBusy(true);
    try {
      await api('POST', fill(`/api/v1/people/{userId}/${what}`, { userId: id }), { reason: reason.trim() });
      setDone(message);
      setReason('');
      sessions.reload();
      if (what !== 'password-reset') onChanged({ ...person, disabled: what === 'disable' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (!spec.has('POST', '/api/v1/people/{userId}/disable')) return <NotAvailable what="account changes" expected="POST /api/v1/people/{userId}/disable" />;
  return (
    <Section title={t('Account of {{username}}', { username: String(person.username) })}>
      <p>
        {t('Status')}: <strong>{disabled ? t('disabled') : t('active')}</strong>
      </p>
      {done ? <p role="status">{done}</p> : null}
      <ErrorNote error={error} />
      <form className="schema-form" onSubmit={(e) => e.preventDefault()} aria-label={t('Change the account')}>
        <ReasonField id={`${f}-reason`} value={reason} onChange={setReason} />
        <div className="filters-inline">
          {disabled ? (
            <button type="button" disabled={busy} onClick={() => void act('enable', t('{{username}} is enabled again.', { username: String(person.username) }))}>
              {t('Enable account')}
            </button>
          ) : (
            <button type="button" className="danger" disabled={busy} onClick={() => void act('disable', t('{{username}} is disabled: sessions ended, tokens stopped.', { username: String(person.username) }))}>
              {t('Disable account')}
            </button>
          )}
          <button type="button" className="secondary" disabled={busy} onClick={() => void act('password-reset', t('{{username}} must set a new password at the next login; sessions ended.', { username: String(person.username) }))}>
            {t('Force a password reset')}
          </button>
        </div>
      </form>
      {sessionsPath ? (
        <>
          <h3>{t('Sessions in force')}</h3>
          <ErrorNote error={sessions.error} />
          <DataTable
            caption="Sessions in force"
            rows={sessions.data ?? []}
            columns={['createdAt', 'expiresAt', 'id']}
            empty="No session in force."
            cell={(k, r) =>
              k === 'id' ? (
                <button
                  type="button"
                  className="danger"
                  aria-label={t('End the session begun {{at}}', { at: fmt(r.createdAt) })}
                  onClick={() => {
                    setError(null);
                    api('DELETE', fill('/api/v1/people/{userId}/sessions/{sessionId}', { userId: id, sessionId: String(r.id) }))
                      .then(() => sessions.reload())
                      .catch(setError);
                  }}
                >
                  {t('End session')}
                </button>
              ) : undefined
            }
          />
        </>
      ) : null}
    </Section>
  );
}

/** a carrier organisation's carrier (link) ids in the registry: what its people see on their page */
function CarrierIds({ spec, org }: { spec: Spec; org: Row }) {
  const { t } = useTranslation();
  const f = useId().replace(/:/g, '');
  const registry = useLoad<Row[]>(spec.has('GET', '/api/v1/carrier-ids') ? '/api/v1/carrier-ids' : null);
  const mine = (registry.data ?? []).filter((r) => r.orgId === org.id).map((r) => String(r.carrierId));
  const [ids, setIds] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  if (!spec.has('PUT', '/api/v1/organisations/{orgId}/carrier-ids')) return <NotAvailable what="the carrier registry" expected="PUT /api/v1/organisations/{orgId}/carrier-ids" />;
  const text = ids ?? mine.join(', ');
  return (
    <Section title={t('Carrier ids of {{name}}', { name: String(org.name) })}>
      <p>
        {t('Assigned')}: <strong>{mine.length ? mine.join(', ') : t('none')}</strong>
      </p>
      {done ? <p role="status">{done}</p> : null}
      <ErrorNote error={registry.error ?? error} />
      <form
        className="schema-form"
        aria-label={t('Assign carrier ids')}
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          setDone(null);
          const list = text.split(/[\s,]+/).filter(Boolean);
          api<{ carrierIds: string[] }>('PUT', fill('/api/v1/organisations/{orgId}/carrier-ids', { orgId: String(org.id) }), { carrierIds: list, reason: reason.trim() })
            .then((r) => {
              setDone(t('Carrier ids saved: {{ids}}.', { ids: r.carrierIds.join(', ') || t('none') }));
              setIds(null);
              setReason('');
              registry.reload();
            })
            .catch(setError);
        }}
      >
        <div className="field">
          <label htmlFor={`${f}-ids`}>{t('Carrier ids (as approvals and exporters name them)')}</label>
          <input id={`${f}-ids`} value={text} onChange={(e) => setIds(e.target.value)} aria-describedby={`${f}-hint`} />
          <span className="hint" id={`${f}-hint`}>
            {t('Separated by commas; an id belongs to one organisation. Empty: none.')}
          </span>
        </div>
        <ReasonField id={`${f}-reason`} value={reason} onChange={setReason} />
        <button type="submit">{t('Save carrier ids')}</button>
      </form>
    </Section>
  );
}
