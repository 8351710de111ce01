/**
 * The error codes of incident reports, registered systems, guidance, attachments, mail: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const REPORTS_ERRORS = {
  AGENCY_ONLY: { status: 403, doc: 'shareIndicatorsTo: turning a report’s indicators into STIX is done at the agency’s triage' },
  ATTACHMENT_EMPTY: { status: 400, doc: 'attachment: the body is empty' },
  ATTACHMENT_TOO_LARGE: { status: 413, doc: 'attachment is larger than the limit of … bytes' },
  INVALID_ASSIGNEE: { status: 400, doc: 'assigneeUserId … is not an analyst of the agency or of a ministry of sector …' },
  INVALID_CARRIER: { status: 400, doc: 'carrierLinks/…/carrierOrgId … is not a carrier organisation' },
  INVALID_CPE: { status: 400, doc: 'products/…/cpe "…" is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:… with 13 fields)' },
  INVALID_EMAIL: { status: 400, doc: 'e-mail address "…" is not valid' },
  INVALID_FILENAME: { status: 400, doc: 'filename: 1 to 255 characters, without / or NUL' },
  INVALID_FORM: { status: 400, doc: 'content/form/ransomPaid is true but ransomDemanded is false' },
  INVALID_INDICATOR: { status: 400, doc: 'content/indicators/…/value "…" is not an IPv4 address or prefix' },
  INVALID_KIND: { status: 400, doc: 'kind "…" is not one of *, …' },
  INVALID_MILESTONE: { status: 400, doc: 'milestone "…" is not one of …' },
  INVALID_PERIOD: { status: 400, doc: 'hours and months: a deadline is a positive period after detection' },
  INVALID_REPLY: { status: 400, doc: 'replyTo: a question does not reply to anything; answers do' },
  INVALID_SECTOR: { status: 400, doc: 'sector "…" is not one of …' },
  INVALID_TIME: { status: 400, doc: 'detectedAt … is in the future' },
  NOTHING_TO_CHANGE: { status: 400, doc: 'triage needs severity, assigneeUserId or shareIndicatorsTo' },
  NOT_A_MINISTRY: { status: 400, doc: 'organisation … is a …, not a ministry: only a ministry can be responsible for a sector' },
  OPERATOR_ONLY: { status: 403, doc: 'answering a question is done by the report’s operator' },
  RECIPIENT_ONLY: { status: 403, doc: 'only the agency or the sector\'s ministry (the report\'s recipients) may do this' },
  REPLY_REQUIRED: { status: 400, doc: 'replyTo: an answer names the question it answers' },
  REPORT_FINAL: { status: 409, doc: 'stage: report … has its final report (version …); no update can follow a final report' },
  SECTOR_REQUIRED: { status: 400, doc: 'an operator organisation needs a sector (one of …)' },
  SMTP_CLOSED: { status: 400, doc: 'SMTP server …:… closed the connection' },
  SMTP_REFUSED: { status: 400, doc: 'SMTP server refused …: … …' },
  SMTP_TIMEOUT: { status: 400, doc: 'SMTP server …:… did not answer in time' },
  SYSTEM_CORRUPT: { status: 500, doc: 'system … has no row for its version …' },
  UNKNOWN_SYSTEM: { status: 400, doc: 'a report names a system that is not one of the operator\'s registered systems' },
  VERSION_CONFLICT: { status: 409, doc: 'the record changed since the version the change was made on: read it again and re-apply' },
  WRONG_STAGE_ORDER: { status: 409, doc: 'stage: "…" cannot follow an existing report: a report has one initial stage, then updates, then one final stage' },
} as const satisfies Record<string, ErrorSpec>;

export type ReportsErrorCode = keyof typeof REPORTS_ERRORS;
export const reportsError = errorFactory(REPORTS_ERRORS);
