// The demo part's public interface: the demo's people, collection, approval, report, operation and vulnerability data.
export { DEMO_ORGS, DEMO_PEOPLE, ensureDemoAccounts, type DemoCredential } from './accounts.js';
export { DEMO_COLLECTION, ensureDemoCollection } from './collection.js';
export { DEMO_APPROVAL_ID, DEMO_CARRIER, actorByUsername, ensureDemoApproval } from './approval.js';
export { ensureDemoReport } from './report.js';
export { ensureDemoOperation } from './operation.js';
export { demoAdvisories, ensureDemoRanges, ensureDemoVuln } from './vuln.js';
