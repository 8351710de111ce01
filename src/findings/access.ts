/**
 * Who may read findings (the server's access rule for the findings routes names these). A finding's
 * marking when it is shared (tier, TLP) is intel's: see intel/findings.ts.
 */
/** findings one by one and as lists: the agency's analysts and lead, the commission and auditors (oversight) */
export const FINDING_READERS = ['agency_analyst', 'agency_lead', 'commission_member', 'auditor'] as const;
export const FINDING_READER_ORG_KINDS = ['agency', 'commission'] as const;
/** the infrastructure pages are the agency's own analysis: not the commission's or auditors' (they read findings one by one) */
export const INFRASTRUCTURE_READERS = ['agency_analyst', 'agency_lead'] as const;
export const INFRASTRUCTURE_READER_ORG_KINDS = ['agency'] as const;
