// The vuln part's public interface: advisories in (CSAF 2.0, CVE JSON 5, CISA KEV), CPE 2.3 matching
// (NISTIR 7695/7696) and vers ranges, alerts and exposure with tenancy, reminders, STIX links, feeds.
export type { VulnTables } from './tables.js';
export { vulnError, type VulnErrorCode } from './errors.js';
export { CPE_ATTRIBUTES, parseCpe, compareAttribute, compareWfns, nameRelation, cpeMatches, type Wfn, type WfnValue, type Relation, type NameRelation, type CpeAttribute } from './cpe.js';
export { parseVers, inRange, compareVersions, compareGeneric, cveRangeToVers, formatVers, type VersRange, type Constraint } from './vers.js';
export { checkCsaf, checkCveRecord, checkKev, type SchemaFailure } from './schemas.js';
export { parseDocument, parseCsaf, parseCveRecord, parseKev, detectFormat, severityOfScore, SEVERITIES, type Advisory, type AffectedRule, type KevCatalogue, type KevEntry, type MatchStatus, type Remediation, type VulnSeverity } from './documents.js';
export { createAdvisoryIndex, naiveMatch, compileRule, ruleMatches, targetOf, statusOf, matchAdvisory, type AdvisoryIndex, type CompiledRule, type Target, type ProductLike } from './match.js';
export {
  ALERT_STATES,
  importDocument,
  syncSystems,
  listAlerts,
  getAlert,
  setAlertState,
  exposure,
  exposureHistory,
  listAdvisories,
  openKnownExploited,
  snapshotOrg,
  findingExposure,
  type FindingExposureView,
  type AlertState,
  type AlertView,
  type ExposureView,
  type ExposureCounts,
  type HistoryPoint,
  type ImportResult,
  type AdvisorySummary,
} from './service.js';
export { csafAdvisory, cveRecord, type CsafInput } from './csaf-builder.js';
export { listRanges, createRange, updateRange, deleteRange, parseRange, prefixText, MAX_RANGES_PER_ORG, WIDEST_PREFIX, type RangeInput, type RangeView } from './ranges.js';
export { linksOfOrgs, linksOfFinding, type LinkedFinding, type OrgLink } from './links.js';
export { createVulnReminderJob, type VulnReminderConfig, type VulnReminderJob, type VulnReminderPayload } from './reminders.js';
export { shareAdvisoryStix, vulnerabilityObject, vulnerabilityId, type AdvisoryStixResult } from './stix.js';
export { createVulnFeedScheduler, pullVulnFeed, type VulnFeed, type VulnFeedConfig, type VulnFeedScheduler, type FeedPullResult } from './feeds.js';
