import { stableId } from '../intel/index.js';

/** The STIX id of a CVE's `vulnerability` object: deterministic, so an alert links to it without storing it. */
export const vulnerabilityId = (cve: string): string => stableId('vulnerability', `cve|${cve.toUpperCase()}`);
