// The reports part's public interface: sectors' ministries, registered systems, incident reports on
// deadlines, routing to the ministry and the agency, guidance, attachments, reminders.
export type { ReportsTables } from './tables.js';
export * from './deadlines.js';
export { INDICATOR_TYPES, IMPACT_LEVELS, ReportContentSchema, IndicatorSchema, checkContent, type ReportContent } from './content.js';
export { scopeOf, inScope, type Scope } from './scope.js';
export { listSectors, linkMinistry, unlinkMinistry, checkSector, type SectorView } from './sectors.js';
export { registerSystem, updateSystem, getSystem, listSystems, type SystemInput, type SystemView } from './systems.js';
export {
  STAGES,
  SEVERITIES,
  createReport,
  submitStage,
  listReports,
  getReport,
  acknowledge,
  triage,
  postMessage,
  addGuidance,
  reviseGuidance,
  guidanceHistory,
  reportIndicators,
  type Severity,
  type NewReport,
  type Submission,
  type ReportSummary,
  type ReportView,
  type GuidanceView,
  type Triage,
  type TriageResult,
} from './reports.js';
export { DEFAULT_REPORT_TLP, indicatorPattern, reportTlp, reportToStix, type IndicatorFailure, type ReportStix, type SharingResult, type ShareTarget } from './stix.js';
export { loadRules, setRule } from './rules.js';
export { filingStats, type FilingStats } from './filing.js';
export { dueView, type DueItem } from './due.js';
export { addAttachment, getAttachment, tooLarge, DEFAULT_MAX_ATTACHMENT_BYTES, type AttachmentMeta } from './attachments.js';
export { createReminderJob, postReminder, type ReminderConfig, type ReminderJob, type ReminderPayload } from './reminders.js';
export { sendMail, formatMessage, type SmtpConfig, type Mail } from './smtp.js';
export { REPORTS_ERRORS, reportsError, type ReportsErrorCode } from './errors.js';
