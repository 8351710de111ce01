/**
 * Organisations and roles. A person's roles are stored server-side and bound to the kind of their
 * organisation: an operator's employee cannot hold an agency role, whatever a client says.
 */
export const ROLES = [
  'agency_analyst',
  'agency_lead',
  'operator',
  'carrier',
  'commission_member',
  'auditor',
  'partner',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const ORG_KINDS = ['agency', 'ministry', 'operator', 'carrier', 'commission', 'partner', 'executor'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** Which roles a member of each kind of organisation may hold. */
export const ROLES_BY_ORG_KIND: Record<OrgKind, readonly Role[]> = {
  agency: ['agency_analyst', 'agency_lead', 'admin', 'auditor'],
  ministry: ['agency_analyst', 'auditor'],
  operator: ['operator'],
  carrier: ['carrier'],
  commission: ['commission_member', 'auditor'],
  partner: ['partner'],
  executor: ['agency_analyst'],
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export function isOrgKind(s: string): s is OrgKind {
  return (ORG_KINDS as readonly string[]).includes(s);
}

/** The one identity every part sees for "who did this". Built by the server from stored data only. */
export interface Actor {
  userId: string;
  username: string;
  orgId: string;
  orgKind: OrgKind;
  roles: Role[];
  /** how the request authenticated: a web session needs CSRF protection, a token does not */
  via: 'session' | 'token' | 'system';
}

/** The actor for work ACD does by itself (purges, scheduled tree heads, the demo's set-up). */
export const SYSTEM_ACTOR: Actor = {
  userId: 'system',
  username: 'system',
  orgId: 'system',
  orgKind: 'agency',
  roles: [],
  via: 'system',
};
