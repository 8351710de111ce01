/**
 * TLP 2.0 (FIRST, 2022) as STIX 2.1 marking definitions, with the official OASIS ids of the TLP 2.0
 * extension (extension-definition--60a3c5c5-…), and statement markings (STIX 2.1 §7.2.1.3).
 * Who may read a marked object is decided here, once, as a pure function and as the same rule in SQL
 * (store.ts), so a page of objects is filtered before it is cut.
 */
import { stableId } from './ids.js';

export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type TlpLevel = (typeof TLP_LEVELS)[number];

/** From least to most restrictive: the most restrictive of several markings wins. */
export const TLP_RANK: Record<TlpLevel, number> = { clear: 0, green: 1, amber: 2, 'amber+strict': 3, red: 4 };

export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The official TLP 2.0 marking-definition ids (OASIS cti-stix-common-objects, tlp-2.0). */
export const TLP2_MARKING_IDS: Record<TlpLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** The TLP 1.0 ids of STIX 2.1 §7.2.1.4, read on import (WHITE is TLP 2.0's CLEAR). */
export const TLP1_MARKING_IDS: Record<string, TlpLevel> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

const LEVEL_BY_ID = new Map<string, TlpLevel>([
  ...(Object.entries(TLP2_MARKING_IDS) as Array<[TlpLevel, string]>).map(([l, id]) => [id, l] as [string, TlpLevel]),
  ...Object.entries(TLP1_MARKING_IDS),
]);

export type TlpMarkingDefinition = {
  type: 'marking-definition';
  spec_version: '2.1';
  id: string;
  created: string;
  name: string;
  extensions: Record<string, { extension_type: 'property-extension'; tlp_2_0: TlpLevel }>;
};

export type StatementMarkingDefinition = {
  type: 'marking-definition';
  spec_version: '2.1';
  id: string;
  created: string;
  created_by_ref?: string;
  name?: string;
  definition_type: 'statement';
  definition: { statement: string };
};

/** The TLP 2.0 marking definition object, exactly as OASIS publishes it. */
export function tlpMarking(level: TlpLevel): TlpMarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKING_IDS[level],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
  };
}

/** A statement marking (copyright, terms of use, legal basis); the same text always gets the same id. */
export function statementMarking(statement: string, createdBy?: string, created = '2026-01-01T00:00:00.000Z'): StatementMarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: stableId('marking-definition', `statement|${statement}`),
    created,
    ...(createdBy ? { created_by_ref: createdBy } : {}),
    definition_type: 'statement',
    definition: { statement },
  };
}

const TLP1_NAMES: Record<string, string> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'white',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

/**
 * The official object of a TLP marking-definition id (TLP 2.0 as OASIS publishes it; TLP 1.0 as STIX
 * 2.1 §7.2.1.4 gives it), or undefined for any other id. What is stored under these ids is always this
 * object: a writer cannot redefine TLP.
 */
export function officialTlpMarking(id: string): Record<string, unknown> | undefined {
  const v1 = TLP1_NAMES[id];
  if (v1) return { type: 'marking-definition', spec_version: '2.1', id, created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', name: `TLP:${v1.toUpperCase()}`, definition: { tlp: v1 } };
  const level = (Object.entries(TLP2_MARKING_IDS) as Array<[TlpLevel, string]>).find(([, x]) => x === id)?.[0];
  return level ? tlpMarking(level) : undefined;
}

export function tlpOfMarkingId(id: string): TlpLevel | undefined {
  return LEVEL_BY_ID.get(id);
}

/**
 * The TLP level of an object from its object_marking_refs: the most restrictive TLP marking named,
 * or undefined when none is a TLP marking.
 */
export function tlpOf(markingRefs: readonly string[] | undefined): TlpLevel | undefined {
  let best: TlpLevel | undefined;
  for (const ref of markingRefs ?? []) {
    const l = LEVEL_BY_ID.get(ref);
    if (l && (best === undefined || TLP_RANK[l] > TLP_RANK[best])) best = l;
  }
  return best;
}

export function isTlpLevel(s: unknown): s is TlpLevel {
  return typeof s === 'string' && (TLP_LEVELS as readonly string[]).includes(s);
}

/** Who an object is for: set when it is stored, from the marking and the collection. */
export interface Audience {
  tlp: TlpLevel;
  /** the organisations it was shared with (AMBER, AMBER+STRICT) */
  recipientOrgs: readonly string[];
  /** the people it was shared with by name (RED) */
  recipientUsers: readonly string[];
  /** who added it: the person always reads what they added; their organisation, unless it is RED */
  addedByUser: string | null;
  addedByOrg: string | null;
}

/** A reader as the marking rule sees them. */
export interface Reader {
  userId: string;
  orgId: string;
  /** the reader's organisation belongs to the community of the collection (its sharing group, or ACD) */
  community: boolean;
  /** organisations whose client the reader's organisation is (AMBER reaches an organisation's clients) */
  clientOf: readonly string[];
}

/**
 * TLP 2.0's audiences: CLEAR everyone authenticated; GREEN the community; AMBER the recipient
 * organisations and their clients; AMBER+STRICT the recipient organisations only; RED the named
 * recipients only.
 */
export function tlpAllows(reader: Reader, a: Audience): boolean {
  if (a.addedByUser !== null && a.addedByUser === reader.userId) return true;
  if (a.tlp !== 'red' && a.addedByOrg !== null && a.addedByOrg === reader.orgId) return true;
  switch (a.tlp) {
    case 'clear':
      return true;
    case 'green':
      return reader.community;
    case 'amber':
      return a.recipientOrgs.includes(reader.orgId) || reader.clientOf.some((o) => a.recipientOrgs.includes(o));
    case 'amber+strict':
      return a.recipientOrgs.includes(reader.orgId);
    case 'red':
      return a.recipientUsers.includes(reader.userId);
  }
}
