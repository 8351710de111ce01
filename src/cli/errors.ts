/**
 * The error codes of the command line (`acd …`; never returned by the server): each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const CLI_ERRORS = {
  AUDIT_FETCH: { status: 400, doc: 'the CLI could not fetch from the server (the method, path and HTTP status are named)' },
  AUDIT_KEY_EPHEMERAL: { status: 400, doc: 'an in-memory store has no key file: set ACD_AUDIT_LOG_KEY or --data' },
  AUDIT_NO_INPUT: { status: 400, doc: 'give an export file or --url' },
  BAD_FORMAT: { status: 400, doc: '--format … is not one of …' },
  BAD_OPTION: { status: 400, doc: '--min-score … is not a number' },
  CLI_BAD_ANSWER: { status: 400, doc: 'the server answered the CLI with something that is not JSON' },
  CLI_BAD_FILE: { status: 400, doc: '…: cannot read it (…)' },
  CLI_BAD_OPTION: { status: 400, doc: '…: ’…’ is not [ID=]KIND:VALUE with KIND address, prefix, asn, port or detector (e.g. prefix:203.0.113.0/24, port:443/6, detector:beacon)' },
  CLI_BAD_URL: { status: 400, doc: '--url: ’…’ is not a URL (e.g. http://127.0.0.1:8080)' },
  CLI_NO_TOKEN: { status: 400, doc: '--token: no API token; give --token or set ACD_TOKEN (make one in the web UI or POST /api/v1/people/{id}/tokens)' },
  CLI_NO_URL: { status: 400, doc: '--url: which ACD server? give --url or set ACD_URL' },
  CLI_UNREACHABLE: { status: 400, doc: 'cannot reach …: …' },
  COLLECT_BAD_SECONDS: { status: 400, doc: '--seconds …: give a positive number of seconds' },
  IMPORT_BAD_FORMAT_OPTION: { status: 400, doc: '--format …: use one of …' },
  ORG_KIND: { status: 400, doc: 'organisation "…" exists but is a …, not the agency' },
  PASSWORD_MISSING: { status: 400, doc: 'environment variable … is empty' },
  WITNESS_BAD_ARGUMENT: { status: 400, doc: '--listen …: give HOST:PORT' },
  WORKER_BAD_ID: { status: 400, doc: '--id …: use 1-64 letters, digits, - and _' },
  WORKER_BAD_LEASE_TTL: { status: 400, doc: '--lease-ttl …: give milliseconds, an integer 400-600000' },
  WORKER_BAD_PARTITIONS: { status: 400, doc: '--partitions: … (or "auto")' },
  WORKER_BAD_SELECT_SCORE: { status: 400, doc: '--select-score …: give a score between 0 and 1' },
  WORKER_BAD_TOTAL: { status: 400, doc: '--total …: give the partition count, an integer 1-65535' },
} as const satisfies Record<string, ErrorSpec>;

export type CliErrorCode = keyof typeof CLI_ERRORS;
export const cliError = errorFactory(CLI_ERRORS);
