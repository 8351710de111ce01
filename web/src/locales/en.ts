/** English where the natural key is not what a person should read: API enum values (roles) */
export const en: Record<string, string> = {
  'enum:agency_analyst': 'agency analyst',
  'enum:agency_lead': 'agency lead',
  'enum:commission_member': 'commission member',
  'enum:admin': 'administrator',
  // the kinds of measure of an operation (#22)
  'measure:rpz': 'DNS block (RPZ)',
  'measure:bgp_blackhole': 'BGP blackhole',
  'measure:flowspec': 'BGP FlowSpec rule',
  'measure:blocklist': 'Blocklist entry',
  'measure:takedown': 'Takedown notice to the hoster',
  // the commission's decisions on an operation
  'decision:approve': 'approve',
  'decision:reject': 'reject',
  'decision:ratify': 'ratify',
  'decision:order_lift': 'order lifted',
  // the gate's counts on a carrier's page
  'count:received': 'Received',
  'count:outOfScope': 'Out of scope',
  'count:selected': 'Selected',
};
