/**
 * The gate for offline analysis (`acd analyze FILE… [--domestic CIDR,…] [--pseudonym-key HEXFILE]`):
 * a scope from the given prefixes (or the country data when none are given), the evaluation approvals
 * (every detector rule, both categories) for the files' exporters over the given period, and one
 * pseudonym key for the whole period: the given one, or a random one that is never shown.
 */
import { randomBytes } from 'node:crypto';
import { ApprovalSet } from './approval-set.js';
import { evaluationApprovals } from './approvals.js';
import { createGate, type Gate } from './gate.js';
import { createPseudonymiser, type Pseudonymiser } from './pseudonymiser.js';
import { createScope, type Scope } from './scope.js';
import type { Logger } from '../shared/log.js';

export interface OfflineGateOptions {
  /** domestic prefixes; when empty or missing, the country data is used */
  domesticPrefixes?: readonly string[];
  country?: string;
  /** the 32-byte pseudonym key (parseKeyHex of the key file); random when missing */
  key?: Uint8Array;
  /** the exporter strings the importer sets on the flows (e.g. the file name) */
  carriers: readonly string[];
  /** the period the flows fall in, ms; default 1970 to the year 9999 */
  start?: number;
  end?: number;
  logger?: Logger;
}

export interface OfflineGate {
  gate: Gate;
  scope: Scope;
  approvals: ApprovalSet;
  pseudonymiser: Pseudonymiser;
  /** the id of the pseudonym key the output is made with */
  keyId: string;
}

export function createOfflineGate(opts: OfflineGateOptions): OfflineGate {
  const prefixes = opts.domesticPrefixes ?? [];
  const scope = createScope({
    useCountryData: prefixes.length === 0,
    domesticPrefixes: prefixes,
    ...(opts.country ? { country: opts.country } : {}),
  });
  const start = opts.start ?? 0;
  const end = opts.end ?? Date.parse('9999-12-31T23:59:59.999Z');
  const approvals = new ApprovalSet({ approvals: evaluationApprovals(opts.carriers, start, end), asn: scope });
  const keyId = opts.key ? 'given' : 'random';
  const pseudonymiser = createPseudonymiser({
    keys: [{ id: keyId, key: opts.key ?? new Uint8Array(randomBytes(32)), validFrom: start, validTo: end }],
  });
  const gate = createGate({ scope, approvals, pseudonymiser, ...(opts.logger ? { deps: { logger: opts.logger } } : {}) });
  return { gate, scope, approvals, pseudonymiser, keyId };
}
