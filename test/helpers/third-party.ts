/**
 * Third-party data whose licence keeps it out of this Apache-2.0 repository (the Stratosphere captures,
 * GPL-2.0; the akvorado router captures, AGPL-3.0): tests, the evaluation and benchmarks find it through
 * this one setting, `ACD_THIRD_PARTY_DATA` (default `../shared/data` beside the checkout, which CI has).
 * Where it is absent, a test that needs it is skipped with a line naming what is missing and why;
 * data the tests make themselves (synthetic fixtures, a generated pcap through softflowd) covers the
 * same code on a fresh clone.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const THIRD_PARTY_DATA = resolve(process.env.ACD_THIRD_PARTY_DATA ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'data'));

/** The path of `rel` (e.g. 'stratosphere', 'netflow-captures/nfv5.pcap') in the third-party data. */
export function thirdParty(rel: string): string {
  return join(THIRD_PARTY_DATA, rel);
}

/** false when `rel` is present; else the reason to give `test(..., { skip })` / `t.skip()`. */
export function thirdPartySkip(rel: string): string | false {
  return existsSync(thirdParty(rel))
    ? false
    : `third-party data ${rel} is absent from ${THIRD_PARTY_DATA} (licence keeps it out of the repository; set ACD_THIRD_PARTY_DATA to its folder to run this)`;
}
