/**
 * The error codes of neutralisation operations: the lifecycle, decisions, measures and their drivers: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const OPERATIONS_ERRORS = {
  BAD_COUNTRY: { status: 400, doc: 'country: "…" is not an ISO 3166 alpha-2 code' },
  BAD_LINK: { status: 400, doc: 'kind: … is not one of …' },
  BAD_MEASURE: { status: 400, doc: 'the GoBGP driver does not handle … measures' },
  BGP_FAILED: { status: 502, doc: 'gobgp … failed: …' },
  CORRUPT_STATE: { status: 500, doc: 'operation … has unknown state …' },
  COUNCIL_REVIEW_REQUIRED: { status: 409, doc: 'rule "a serious case is reviewed by the security council before the commission’s approval is requested": no review is recorded' },
  DRIVER_CHANGED: { status: 409, doc: 'the driver of measure … changed while it was applied' },
  DRIVER_FAILED: { status: 502, doc: 'a measure driver failed with an error of no code of its own (the peer\'s state is named)' },
  EMERGENCY_NOT_NOTIFIED: { status: 409, doc: 'the commission was not notified of the emergency by …' },
  EVIDENCE_CLOSED: { status: 409, doc: 'evidence of operation … is fixed once approval is requested (state …)' },
  EVIDENCE_MISSING: { status: 409, doc: 'rule "evidence is at least one linked finding, report or intelligence item": none is linked' },
  EXPIRY_IN_PAST: { status: 400, doc: 'expiresAt: … is not in the future; an expired approval authorises nothing' },
  EXPIRY_TOO_LATE: { status: 400, doc: 'expiresAt: a decision runs … days at most (until …)' },
  FIELD_REQUIRED: { status: 400, doc: 'a field the operation needs is missing (the message names it)' },
  FOREIGN_CONSULTATION_REQUIRED: { status: 400, doc: 'operation …: a server abroad is acted on only after consulting the foreign ministry (…)' },
  FUTURE_DATE: { status: 400, doc: 'consultedAt: a consultation is recorded after it happened' },
  ILLEGAL_TRANSITION: { status: 400, doc: 'the action does not leave the operation\'s current state: the message names the rule and the actions that do' },
  MALFORMED_ADDRESS: { status: 400, doc: 'a target is not an IPv4 or IPv6 address (the field is named)' },
  MALFORMED_DOMAIN: { status: 400, doc: 'a target is not a domain name (the field is named)' },
  MALFORMED_PREFIX: { status: 400, doc: 'a target is not an address or a host prefix (the field is named)' },
  MEASURES_FIXED: { status: 409, doc: 'measures of operation … are fixed once approval is requested or an emergency declared (state …)' },
  MEASURES_STILL_APPLIED: { status: 409, doc: 'rule "an operation is lifted once each of its measures is lifted": lift them first (liftOperation does both)' },
  MEASURE_APPLIED: { status: 409, doc: 'measure … is already applied' },
  MEASURE_NOT_APPLIED: { status: 409, doc: 'measure … is …; only an applied measure is lifted' },
  NOTICE_NOT_ALLOWED: { status: 409, doc: 'a foreign-state notice is recorded between assembled evidence and closing (operation … is …)' },
  NOTIFY_LATE: { status: 409, doc: 'rule "the commission is notified within … h": the deadline was …; the measures are lifted' },
  NOT_EMERGENCY: { status: 409, doc: 'rule "the commission is notified after the fact only of an emergency": this operation was approved beforehand' },
  NOT_PERMITTED: { status: 403, doc: 'the caller is not a party the lifecycle rule names for this action (the message names the rule)' },
  NO_DECISION_IN_FORCE: { status: 409, doc: 'no decision in force for operation …: measures are applied only once it is executed (state …)' },
  NO_DRIVER: { status: 409, doc: 'no driver is configured for … measures' },
  NO_MEASURES: { status: 409, doc: 'rule "the commission approves named measures": none is planned' },
  NO_TARGET: { status: 400, doc: 'targets: name at least one server address or domain' },
  OPERATION_OVER: { status: 409, doc: 'operation … is …' },
  PREFIX_TOO_BROAD: { status: 400, doc: 'a target prefix covers more than one host: measures act on the attacker\'s server only' },
  RPZ_RELOAD_FAILED: { status: 502, doc: 'rndc … failed: …' },
  RPZ_WRITE_FAILED: { status: 502, doc: 'writing … failed: …' },
  UNKNOWN_ACTION: { status: 400, doc: 'operation action … does not exist' },
  UNKNOWN_SERVER: { status: 404, doc: 'a measure names a server that is not one of the operation\'s targets' },
} as const satisfies Record<string, ErrorSpec>;

export type OperationsErrorCode = keyof typeof OPERATIONS_ERRORS;
export const operationsError = errorFactory(OPERATIONS_ERRORS);
