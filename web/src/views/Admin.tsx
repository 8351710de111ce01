/** The administrator: organisations, people, API tokens. */
import { useEffect, useState } from 'react';
import { api, fill, type Me, type Spec } from '../api.js';
import { ApiAction, DataTable, ErrorNote, NotAvailable, Section, useLoad } from '../ui.js';
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

      <Section title={org ? `People of ${String(org.name)}` : 'People'}>
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
              <summary>Create a person in {String(org.name)}</summary>
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

      {/* keyed by person: a token just issued is never shown under another person's name */}
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
          Filter <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, organisation or role" />
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
              <p className="small muted">
                {shown.length} of {rows.length} people in {orgs.length} organisations. Choose one to see and issue its API tokens.
              </p>
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
    <Section title={`API tokens of ${String(person.username)}`}>
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
                  aria-label={`Revoke token ${String(r.name)}`}
                  onClick={() => {
                    setError(null);
                    api('DELETE', fill('/api/v1/people/{userId}/tokens/{tokenId}', { userId: id, tokenId: String(r.id) }))
                      .then(() => tokens.reload())
                      .catch(setError);
                  }}
                >
                  Revoke
                </button>
              ) : undefined
            }
          />
        </>
      )}
      {issued ? (
        <div className="secret" role="status">
          New token <strong>{String(issued.name)}</strong> — copy it now, it is shown once: <code>{String(issued.token)}</code>
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
