/**
 * Sharing collections (#22): the TAXII collections with who may read and write them, and a form to
 * create one (the agency lead's and the administrator's: the server's MANAGERS). Analysts promote
 * findings into a collection chosen by its title.
 */
import { useTranslation } from 'react-i18next';
import { type Me, type Spec } from '../api.js';
import { ApiAction, DataTable, ErrorNote, NotAvailable, Section, enumLabel, useLoad } from '../ui.js';

type Row = Record<string, unknown>;

const ROLES = ['agency_analyst', 'agency_lead', 'operator', 'carrier', 'commission_member', 'auditor', 'partner', 'admin', 'executor'];

export function SharingView({ spec }: { me: Me; spec: Spec }) {
  const { t } = useTranslation();
  const list = spec.find('GET', /^\/api\/v1\/intel\/collections$/);
  const loaded = useLoad<Row[]>(list?.path ?? null, 10_000);
  const orgs = useLoad<Row[]>(spec.has('GET', '/api/v1/organisations') ? '/api/v1/organisations' : null);
  const rows = loaded.data ?? [];
  const orgNames = new Map((orgs.data ?? []).map((o) => [String(o.id), String(o.name)]));
  const orgHints = (orgs.data ?? []).map((o) => ({ value: String(o.id), label: String(o.name) }));
  const roles = (v: unknown) => (Array.isArray(v) ? v.map((r) => enumLabel(String(r))).join(t(', ')) : '—');
  return (
    <div className="stack">
      <Section title="Sharing collections">
        {!list ? (
          <NotAvailable what="sharing collections" expected="GET /api/v1/intel/collections" />
        ) : (
          <>
            <ErrorNote error={loaded.error} />
            <DataTable
              caption="Sharing collections"
              rows={rows}
              columns={['title', 'apiRoot', 'ownerOrgId', 'readRoles', 'writeRoles', 'defaultTlp', 'objects']}
              cell={(k, r) => (k === 'readRoles' || k === 'writeRoles' ? roles(r[k]) : k === 'ownerOrgId' ? (orgNames.get(String(r[k])) ?? String(r[k])) : k === 'defaultTlp' ? String(r[k]).toUpperCase() : undefined)}
              empty="No collection yet: create one below for analysts to promote findings into."
            />
          </>
        )}
      </Section>
      <Section title="Create a sharing collection">
        <ApiAction
          spec={spec}
          patterns={[/^\/api\/v1\/intel\/collections$/]}
          what="creating sharing collections"
          expected="POST /api/v1/intel/collections"
          submitLabel="Create collection"
          hints={{ readRoles: ROLES.map((r) => ({ value: r, label: enumLabel(r) })), writeRoles: ROLES.map((r) => ({ value: r, label: enumLabel(r) })), readOrgs: orgHints, writeOrgs: orgHints, audienceOrgs: orgHints, ownerOrgId: orgHints }}
          // the group and the per-person audience are the API's finer tools; the form keeps to roles and organisations
          fixed={{ groupId: undefined, audienceUsers: undefined }}
          onDone={() => loaded.reload()}
        />
      </Section>
    </div>
  );
}
