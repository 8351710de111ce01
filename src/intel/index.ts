// The intel part's public interface: STIX 2.1 objects and TLP 2.0 markings, patterns, findings → tiers.
export * from './ids.js';
export * from './tlp.js';
export * from './pattern.js';
export * from './stix.js';
export { checkStixObject, SCO_TYPES, type CheckedObject } from './validate.js';
export { schemaFault, STIX_SCHEMA_DIR } from './schemas.js';
export { DEFAULT_VALID_MS, findingToStix, producerIdentity, TIERS, TIER_TLP, type Tier, type TierProduct, type PromoteOptions } from './findings.js';
export type { IntelTables } from './tables.js';
export {
  addObjects,
  collectionWithMembership,
  collectionsFor,
  createCollection,
  decodeNext,
  deleteObject,
  encodeNext,
  formatUs,
  getCollection,
  getStatus,
  idSalt,
  membershipOf,
  objectsQuery,
  queryObjects,
  rightsOf,
  saveStatus,
  timeUs,
  visibleTo,
  type AddResult,
  type Collection,
  type DeleteFilter,
  type DeleteResult,
  type Membership,
  type NewCollection,
  type ObjectQuery,
  type Page,
  type Rights,
  type StatusResource,
  type StoredVersion,
} from './store.js';
export {
  DEFAULT_PAGE,
  MAX_PAGE,
  STIX_MEDIA_TYPE,
  TAXII_MEDIA_TYPE,
  acceptsTaxii,
  errorResource,
  isTaxiiContentType,
  parseFilter,
  type TaxiiError,
  type TaxiiFilter,
  type TaxiiQuery,
} from './taxii.js';
export {
  SHARING_MANAGERS,
  addClient,
  addGroupMember,
  createGroup,
  decideCandidate,
  importBundle,
  listCandidates,
  listGroups,
  promoteFinding,
  revokePromotion,
  storedFinding,
  type Revocation,
  type RevocationResult,
  type CandidateView,
  type GroupView,
  type Promotion,
  type PromotionResult,
} from './sharing.js';
export {
  createFeed,
  createFeedScheduler,
  createTaxiiClient,
  feedAuthFromEnv,
  pullFeed,
  registerConfiguredFeeds,
  type ConfiguredFeed,
  type Feed,
  type FeedScheduler,
  type FeedSchedulerConfig,
  type FeedSchedulerDeps,
  type PullResult,
  type TaxiiAuth,
  type TaxiiClient,
  type TaxiiPage,
} from './client.js';
export { INTEL_ERRORS, intelError, type IntelErrorCode } from './errors.js';
export { feedExists, getApiRoot, listApiRootIds, listCollectionSummaries, listFeeds, type ApiRootRow, type CollectionSummary, type FeedView } from './queries.js';
