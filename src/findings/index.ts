// The findings part's public interface: the findings table, its writer, queries, audited reads and who may read.
export { findingOfRow, type FindingRow, type FindingTable, type FindingTables, type StoredFinding } from './tables.js';
export { createFindingWriter, ROWS_PER_INSERT } from './writer.js';
export { findingsAbout, findingsPage, findingsSince, getFinding, lastFindingUpdate, listFindings, type FindingQuery } from './queries.js';
export { GROUPS_FINDING_LIMIT, GROUPS_MAX_HOURS, INFRASTRUCTURE_LIMIT, canonicalAddress, findingView, readFinding, readFindings, readInfrastructure, readInfrastructureGroups, type FindingView, type InfrastructureGroupView, type InfrastructureGroupsView, type InfrastructureView } from './read.js';
export { FINDING_READERS, FINDING_READER_ORG_KINDS, INFRASTRUCTURE_READERS, INFRASTRUCTURE_READER_ORG_KINDS } from './access.js';
export { FINDINGS_ERRORS, findingsError, type FindingsErrorCode } from './errors.js';
