/**
 * The error codes of STIX 2.1, TAXII 2.1 (server and client), sharing and promotion: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const INTEL_ERRORS = {
  INTEL_BAD_BUNDLE: { status: 400, doc: 'a STIX bundle is an object with type "bundle" and an "objects" list' },
  INTEL_BAD_MATCH: { status: 400, doc: 'match[version]=… is not first, last, all or a timestamp' },
  INTEL_BAD_NEXT: { status: 400, doc: 'next=… is not a value this server gave' },
  INTEL_CANDIDATE_NO_APPROVAL: { status: 400, doc: 'adopting a candidate criterion needs the id of the approval that adopts it (approvalId)' },
  INTEL_CLIENT_SELF: { status: 400, doc: 'an organisation cannot be its own client' },
  INTEL_FEED_AUTH: { status: 400, doc: 'the credentials of feed … must be "bearer:TOKEN" or "basic:USER:TOKEN' },
  INTEL_FEED_URL: { status: 400, doc: '… … is not a URL' },
  INTEL_FULL_TIER_AGENCY_ONLY: { status: 400, doc: 'the full tier goes to the agency only: every recipient must belong to an agency' },
  INTEL_NOTHING_TO_REVOKE: { status: 409, doc: 'report … names nothing your organisation created that is not revoked already' },
  INTEL_NO_INDICATOR: { status: 400, doc: 'finding … names no external address: there is no indicator to share' },
  INTEL_RECIPIENT: { status: 400, doc: 'a recipient of the full tier does not exist' },
  INTEL_TIER_TLP: { status: 400, doc: 'the … tier cannot be marked TLP:… (allowed: …`).join(’, ’)})' },
  INTEL_TIMESTAMP: { status: 400, doc: '… is not a UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)' },
  STIX_PATTERN: { status: 400, doc: 'STIX pattern is malformed at position …: … (in …)' },
  TAXII_BAD_ENVELOPE: { status: 400, doc: 'the request body is not valid JSON: …' },
  TAXII_BAD_PARAMETER: { status: 400, doc: 'match[version]=… is not first, last, all or a timestamp' },
  TAXII_CLIENT_BAD_ENVELOPE: { status: 400, doc: 'GET … answered an envelope whose objects is not a list' },
  TAXII_CLIENT_BAD_JSON: { status: 400, doc: 'GET … answered invalid JSON: …' },
  TAXII_CLIENT_HTTP: { status: 400, doc: 'GET … answered …: …' },
  TAXII_CLIENT_LOOP: { status: 400, doc: '… gave the same next twice: stopping instead of looping' },
  TAXII_CLIENT_MEDIA_TYPE: { status: 400, doc: 'GET … answered …, not …' },
  TAXII_CLIENT_NETWORK: { status: 400, doc: 'GET … failed: …' },
  TAXII_CLIENT_NO_DATE_ADDED: { status: 400, doc: '… gave objects without X-TAXII-Date-Added-Last: cannot resume safely' },
  TAXII_CLIENT_NO_PROGRESS: { status: 400, doc: '… gave a page ending at …, not after …: stopping instead of looping' },
  TAXII_FORBIDDEN: { status: 403, doc: 'a TAXII request the caller\'s rights on the collection do not allow' },
  TAXII_MEDIA_TYPE: { status: 415, doc: 'Content-Type … is not …' },
  TAXII_NOT_ACCEPTABLE: { status: 406, doc: 'this server answers … only; the Accept header … does not admit it' },
  TAXII_NOT_FOUND: { status: 404, doc: 'collection … has no object … you may read' },
  TAXII_TOO_LARGE: { status: 413, doc: 'the request body of … bytes is larger than this API root’s max_content_length of … bytes' },
} as const satisfies Record<string, ErrorSpec>;

export type IntelErrorCode = keyof typeof INTEL_ERRORS;
export const intelError = errorFactory(INTEL_ERRORS);
