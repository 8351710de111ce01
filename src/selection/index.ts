// The selection part's public interface: scope, approvals, criteria, pseudonymisation and the gate.
export { ATTRIBUTION, loadAsnTable, loadAsnTable4, loadAsnTable6, type AsnTable } from './geodata.js';
export {
  createAsnLookup,
  createScope,
  NON_GLOBAL_PREFIXES,
  categoryOf,
  SCOPE_CLASSES,
  SCOPE_DOMESTIC_DOMESTIC,
  SCOPE_DOMESTIC_FOREIGN,
  SCOPE_FOREIGN_DOMESTIC,
  SCOPE_FOREIGN_FOREIGN,
  type Category,
  type Scope,
  type ScopeClass,
  type ScopeConfig,
} from './scope.js';
export { parsePrefix, type Prefix, type Prefix4, type Prefix6 } from './cidr.js';
export { CryptoPan, type CryptoPanOptions } from './cryptopan.js';
export { pseudonymisePrefix, pseudonymisedRanges, type PseudonymisedRanges } from './range-pseudonyms.js';
export {
  createPseudonymiser,
  depseudonymise,
  generatePseudonymKey,
  parseKeyHex,
  type ActiveKey,
  type PseudonymKey,
  type PseudonymKeyInfo,
  type Pseudonymiser,
  type Reidentification,
} from './pseudonymiser.js';
export {
  ApprovalSchema,
  CriterionSchema,
  CRITERION_SCHEMAS,
  CRITERION_KINDS,
  CATEGORIES,
  APPROVAL_STATUSES,
  DETECTORS,
  DETECTOR_BIT,
  DEFAULT_APPROVAL_DEFAULTS,
  approvalErrors,
  criterionErrors,
  parseApproval,
  evaluationApprovals,
  approvalPeriod,
  type Approval,
  type ApprovalInput,
  type ApprovalDefaults,
  type ApprovalStatus,
  type Criterion,
  type CriterionKind,
  type DetectorName,
} from './approvals.js';
export { ApprovalSet, type CompiledApproval, type CarrierApprovals } from './approval-set.js';
export { compileCriteria, type AsnLookup, type CompiledCriteria } from './criteria.js';
export { createGate, type Gate, type GateConfig, type GateDeps, type GateOutput } from './gate.js';
export {
  copyDetectorFeedFlow,
  copySelectedFlow,
  type DetectorFeedFlow,
  type DetectorFeedSink,
  type GateFlow,
  type SelectedFlow,
  type SelectedSink,
} from './flows.js';
export { METRICS, COUNT_CATEGORIES, type CountRow, type CountCategory, type Metric } from './counters.js';
export { type AddressKey, type PairKey, type ServerKey, type KeyKind, type KeyOf } from './selected-keys.js';
export {
  createRetentionJob,
  DEFAULT_RETENTION_DAYS,
  type PurgeRecord,
  type RetentionConfig,
  type RetentionDeps,
  type RetentionJob,
} from './retention.js';
export { COUNT_ROWS_PER_INSERT, addGateCounts, createSelectedFlowWriter, purgeSelectedFlows, readSelectedFlows, type StoredSelectedFlow } from './flow-store.js';
export {
  decideApproval,
  endApproval,
  getApproval,
  listApprovals,
  loadPseudonymKeys,
  proposeApproval,
  type Decision,
  type StoredApproval,
} from './approval-store.js';
export {
  DEFAULT_VALID_MINUTES,
  MAX_PSEUDONYMS,
  MAX_VALID_MINUTES,
  PURPOSE_KINDS,
  REIDENTIFICATION_STATUSES,
  ReidentificationDecisionSchema,
  ReidentificationRequestSchema,
  StoredReidentificationSchema,
  decideReidentification,
  getReidentification,
  listReidentifications,
  reidentificationErrors,
  requestReidentification,
  resolveReidentification,
  type ReidentificationDecisionInput,
  type ReidentificationRequestInput,
  type ReidentificationStatus,
  type Resolution,
  type StoredReidentification,
} from './reidentification.js';
export { createOfflineGate, type OfflineGate, type OfflineGateOptions } from './offline.js';
export { SELECTION_ERRORS, selectionError, type SelectionErrorCode } from './errors.js';
export {
  CARRIER_ID,
  carrierIdsOf,
  carrierOverview,
  listCarrierMappings,
  setCarrierIds,
  topSelected,
  TOP_DIMENSIONS,
  type TopDimension,
  type TopRow,
  type CarrierApprovalView,
  type CarrierCounts,
  type CarrierMapping,
  type CarrierOverview,
} from './carrier-orgs.js';
