/**
 * The structured content of a report stage, and the common forms for DDoS and ransomware. The HTTP
 * layer validates the shape with the typebox schemas below; the checks here are the ones a schema
 * cannot say (times in order, not in the future).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TLP_LEVELS } from '../intel/index.js';
import { reportsError } from './errors.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** Indicator types kept structured (type + value) so an analyst can turn them into STIX 2.1 patterns. */
export const INDICATOR_TYPES = ['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file-sha256', 'file-md5', 'file-name', 'asn'] as const;
export const IMPACT_LEVELS = ['none', 'degraded', 'partial_outage', 'full_outage'] as const;

const Iso = Type.String({ format: 'date-time' });

export const IndicatorSchema = Type.Object(
  {
    type: lit(INDICATOR_TYPES),
    value: Type.String({ minLength: 1, maxLength: 2048 }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ImpactSchema = Type.Object(
  {
    level: lit(IMPACT_LEVELS),
    description: Type.String({ minLength: 1, maxLength: 10000 }),
    /** whether the service levels agreed (with customers or the ministry) were breached */
    slaBreached: Type.Boolean(),
    affectedUsers: Type.Optional(Type.Integer({ minimum: 0 })),
    outageMinutes: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const DdosFormSchema = Type.Object(
  {
    type: Type.Literal('ddos'),
    startedAt: Iso,
    endedAt: Type.Optional(Iso),
    peakBitsPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    peakPacketsPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    attackVectors: Type.Array(lit(['udp_flood', 'syn_flood', 'dns_amplification', 'ntp_amplification', 'memcached_amplification', 'http_flood', 'icmp_flood', 'other'] as const), { minItems: 1, maxItems: 20 }),
    targets: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 200 }),
    mitigation: Type.Optional(Type.String({ maxLength: 10000 })),
    upstreamContacted: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const RansomwareFormSchema = Type.Object(
  {
    type: Type.Literal('ransomware'),
    variant: Type.Optional(Type.String({ maxLength: 200 })),
    initialAccess: Type.Optional(lit(['phishing', 'vpn_vulnerability', 'rdp', 'supply_chain', 'other', 'unknown'] as const)),
    encryptedHosts: Type.Optional(Type.Integer({ minimum: 0 })),
    dataExfiltrated: lit(['yes', 'no', 'unknown'] as const),
    ransomDemanded: Type.Boolean(),
    ransomPaid: Type.Boolean(),
    backupsUsable: lit(['yes', 'no', 'unknown'] as const),
    leakSiteListed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ReportContentSchema = Type.Object(
  {
    whatHappened: Type.String({ minLength: 1, maxLength: 20000 }),
    occurredAt: Type.Optional(Iso),
    systemIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500, default: [] }),
    impact: ImpactSchema,
    suspectedCause: Type.Optional(Type.String({ maxLength: 10000 })),
    indicators: Type.Array(IndicatorSchema, { maxItems: 1000, default: [] }),
    actionsTaken: Type.Optional(Type.String({ maxLength: 20000 })),
    form: Type.Optional(Type.Union([DdosFormSchema, RansomwareFormSchema])),
    /** the operator's TLP 2.0 marking of what it reports (default amber+strict): it marks the STIX made from it */
    tlp: Type.Optional(lit(TLP_LEVELS)),
  },
  { additionalProperties: false },
);
export type ReportContent = Static<typeof ReportContentSchema>;

/** The content with the lists the schema defaults (for callers that do not go through the schema). */
export function normaliseContent(c: ReportContent): ReportContent {
  return { ...c, systemIds: c.systemIds ?? [], indicators: c.indicators ?? [] };
}

/** Checks a schema cannot express: times not in the future, in order. */
export function checkContent(c: ReportContent, detectedAt: Date, now: Date): void {
  const slack = 5 * 60_000;
  if (detectedAt.getTime() > now.getTime() + slack) throw reportsError('INVALID_TIME', `detectedAt ${detectedAt.toISOString()} is in the future`);
  if (c.occurredAt !== undefined && Date.parse(c.occurredAt) > detectedAt.getTime()) {
    throw reportsError('INVALID_TIME', `content/occurredAt ${c.occurredAt} is after detectedAt ${detectedAt.toISOString()}: an event is detected after it occurs`);
  }
  if (c.form?.type === 'ddos' && c.form.endedAt !== undefined && Date.parse(c.form.endedAt) < Date.parse(c.form.startedAt)) {
    throw reportsError('INVALID_TIME', `content/form/endedAt ${c.form.endedAt} is before content/form/startedAt ${c.form.startedAt}`);
  }
  if (c.form?.type === 'ransomware' && c.form.ransomPaid && !c.form.ransomDemanded) {
    throw reportsError('INVALID_FORM', 'content/form/ransomPaid is true but ransomDemanded is false');
  }
  c.indicators.forEach((ind, i) => {
    if (ind.type === 'ipv4-addr' && !/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(ind.value)) {
      throw reportsError('INVALID_INDICATOR', `content/indicators/${i}/value "${ind.value}" is not an IPv4 address or prefix`);
    }
    if (ind.type === 'file-sha256' && !/^[0-9a-fA-F]{64}$/.test(ind.value)) {
      throw reportsError('INVALID_INDICATOR', `content/indicators/${i}/value is not a SHA-256 hex digest (64 hex digits)`);
    }
  });
}
