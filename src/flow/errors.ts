/**
 * The error codes of flow decoding, the collector and file import: each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const FLOW_ERRORS = {
  COLLECTOR_BIND: { status: 400, doc: 'cannot listen on …: …' },
  COLLECTOR_LISTEN: { status: 400, doc: 'listen address "…" is not udp://HOST:PORT (e.g. udp://0.0.0.0:2055 or udp://[::]:2055)' },
  COLLECTOR_NOT_STARTED: { status: 400, doc: 'collector … is not started' },
  IMPORT_NO_FILE: { status: 400, doc: '…: cannot read: …' },
  IMPORT_UNKNOWN_FORMAT: { status: 400, doc: '…: not a flow file ACD can import: …' },
  IMPORT_WRONG_FORMAT: { status: 400, doc: '…:…: cannot import as …: …' },
  PCAP_FORMAT: { status: 400, doc: '…: not a classic pcap file (magic 0x…; pcapng is not read)' },
  PCAP_LINKTYPE: { status: 400, doc: '…: link type … is not read (Ethernet, SLL, raw IP are)' },
  PCAP_TRUNCATED: { status: 400, doc: '…: shorter than a pcap file header' },
} as const satisfies Record<string, ErrorSpec>;

export type FlowErrorCode = keyof typeof FLOW_ERRORS;
export const flowError = errorFactory(FLOW_ERRORS);
