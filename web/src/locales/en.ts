/** English where the natural key is not what a person should read: API enum values (roles) */
export const en: Record<string, string> = {
  'enum:agency_analyst': 'agency analyst',
  'enum:agency_lead': 'agency lead',
  'enum:commission_member': 'commission member',
  'enum:admin': 'administrator',
};
