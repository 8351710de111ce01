/**
 * The one configuration of ACD, as a typebox schema: the schema validates, types and documents it.
 * Sources, weakest to strongest: defaults < acd.config.json < ACD_* environment variables < flags.
 */
import { Type, type Static } from '@sinclair/typebox';

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the HTTP server listens on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port (0 = any free port)' }),
    data: Type.String({ minLength: 1, default: './.acd-data', description: 'folder of the embedded store (PGlite)' }),
    db: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; when set, the embedded store is not used' }),
    ),
    logLevel: Type.Union(
      [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
      { default: 'info', description: 'pino log level' },
    ),
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1048576, default: 1048576, description: 'largest accepted request body in bytes' }),
    sessionTtlMinutes: Type.Integer({ minimum: 5, maximum: 7 * 24 * 60, default: 480, description: 'web session lifetime' }),
    loginMaxAttempts: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'failed logins allowed per account and per address in a window' }),
    loginWindowSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 900, description: 'window of the login rate limit' }),
    tokenCacheSeconds: Type.Integer({ minimum: 0, maximum: 60, default: 5, description: 'how long a process may answer for an API token from memory; a revocation elsewhere takes effect within this time (0: ask the store every request)' }),
    collector: Type.Optional(Type.String({ pattern: '^udp://.+:\\d+$', description: 'UDP flow collector address, e.g. udp://0.0.0.0:2055' })),
    country: Type.String({ pattern: '^[A-Z]{2}$', default: 'JP', description: 'ISO country whose address space is domestic' }),
    domestic: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'extra domestic CIDR prefixes' }),
    exporterCarriers: Type.Record(Type.String(), Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' }), {
      default: {},
      description: 'exporter address → carrier or link id as approvals name them (default: the exporter address itself)',
    }),
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 730, description: 'days selected flows are kept before the purge job deletes them' }),
    pipeline: Type.Boolean({ default: true, description: 'run the lawful gate and detectors in this process' }),
    taxiiFeeds: Type.Optional(
      Type.Object(
        {
          intervalSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 900, description: 'seconds between the end of one pull of every feed and the start of the next' }),
          feeds: Type.Array(
            Type.Object(
              {
                id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'feed id; its credentials are in ACD_TAXII_FEED_<ID> (upper case, no dashes) as bearer:TOKEN or basic:USER:TOKEN' }),
                url: Type.String({ pattern: '^https?://', description: "the other server's collection objects URL (…/collections/{id}/objects/)" }),
                collectionId: Type.String({ minLength: 1, description: 'the local collection (id or alias) its objects go to' }),
              },
              { additionalProperties: false },
            ),
            { default: [], description: 'feeds registered at start-up (feeds registered through the API are pulled too)' },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    bus: Type.Union([Type.Literal('none'), Type.Literal('jetstream')], {
      default: 'none',
      description: "none: the collector's gate feeds detectors in this process; jetstream: the gate's output is published to NATS JetStream (<busPrefix>.flows.<partition>) and `acd worker` processes run the detectors",
    }),
    nats: Type.String({ pattern: '^\\S+$', default: 'nats://127.0.0.1:4222', description: 'NATS server(s) for bus=jetstream, comma-separated' }),
    busPartitions: Type.Integer({ minimum: 1, maximum: 65535, default: 8, description: 'partitions of the bus (the workers must be started with the same --total)' }),
    busPrefix: Type.String({ pattern: '^[A-Za-z0-9_-]+$', default: 'acd', description: 'bus subject prefix: subjects are <busPrefix>.flows.<partition>' }),
    // issue #21: the indicator detector is fed from the intel store in serve and in `acd worker`
    indicatorRefreshSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 30, description: "seconds between checks of the intel store for new, changed, revoked or expired STIX indicators; on a change the detectors' indicator list is reloaded without a restart (acd serve with detectors in process, and acd worker with --db)" }),
    reportsMaxAttachmentBytes: Type.Integer({ minimum: 1, maximum: 1024 * 1048576, default: 10 * 1048576, description: 'largest evidence file attached to an incident report, in bytes' }),
    reportsWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'reminders of due and overdue report deadlines are POSTed here (JSON)' })),
    reportsWebhookToken: Type.Optional(Type.String({ minLength: 1, description: 'Bearer token sent with the reminder webhook' })),
    reportsSmtpHost: Type.Optional(Type.String({ minLength: 1, description: 'SMTP relay for reminder e-mails (with reportsSmtpFrom and reportsSmtpTo)' })),
    reportsSmtpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 25, description: 'port of the SMTP relay' }),
    reportsSmtpFrom: Type.Optional(Type.String({ minLength: 3, description: 'sender address of reminder e-mails' })),
    reportsSmtpTo: Type.Array(Type.String({ minLength: 3 }), { default: [], description: 'recipients of reminder e-mails (comma-separated in the environment)' }),
    // --- operations (issue #18): the jobs, and the measure drivers (RPZ, GoBGP, FlowSpec, takedown notices) ---
    operationsExpirySeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 10, description: 'seconds between passes of the expiry job that lifts every measure whose decision has ended (runs in every server process)' }),
    operationsReconcileSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 30, description: "seconds between reconciliation passes: each driver's real state (zone file and BIND's serial, gobgpd's RIB) is compared with the measures in force and repaired; drift is audited" }),
    operationsOutbox: Type.Optional(Type.String({ minLength: 1, description: 'folder takedown notices (.eml, X-ARF) are written to (default <data>/outbox); kept when they are also sent by SMTP' })),
    operationsFrom: Type.String({ minLength: 3, default: 'ACD abuse desk <abuse-desk@acd.invalid>', description: 'sender of takedown notices' }),
    operationsOrganisation: Type.String({ minLength: 1, default: 'the national cyber defence agency (ACD)', description: 'the organisation takedown notices are sent in the name of' }),
    operationsTakedownSmtp: Type.Boolean({ default: false, description: "send takedown notices to the abuse contact through the reports part's SMTP relay (reportsSmtpHost, reportsSmtpPort, reportsSmtpFrom)" }),
    rpzZoneFile: Type.Optional(Type.String({ minLength: 1, description: 'the response-policy zone file named.conf loads; when set, RPZ measures are applied through BIND' })),
    rpzZone: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', default: 'rpz.acd', description: 'name of the response-policy zone' }),
    rpzSinkhole: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$', default: 'sinkhole.acd.invalid', description: 'where sinkholed names point (CNAME target)' }),
    rndcConf: Type.Optional(Type.String({ minLength: 1, description: 'rndc configuration file (rndc -c) for reloading the zone' })),
    rndcBin: Type.String({ minLength: 1, default: 'rndc', description: 'the rndc program' }),
    rpzResolver: Type.Optional(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s]+):\\d{1,5}$', description: 'host:port of a resolver using the zone, asked with dig to verify a domain measure' })),
    gobgpApi: Type.Optional(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s]+):\\d{1,5}$', description: "host:port of gobgpd's API; when set, blackhole and FlowSpec measures are announced through it" })),
    gobgpBin: Type.String({ minLength: 1, default: 'gobgp', description: 'the gobgp CLI' }),
    bgpNexthop4: Type.String({ minLength: 2, default: '192.0.2.1', description: 'next hop of IPv4 blackhole routes (an address the routers null-route)' }),
    bgpNexthop6: Type.String({ minLength: 2, default: '100::1', description: 'next hop of IPv6 blackhole routes' }),
    bgpCommunities: Type.Array(Type.String({ pattern: '^\\d{1,5}:\\d{1,5}$' }), { default: ['65535:65281'], description: "communities added to BLACKHOLE (65535:666) on blackhole routes, e.g. NO_EXPORT 65535:65281 and a carrier's ASN:666 (comma-separated in the environment)" }),
    flowspecAction: Type.Union([Type.Literal('discard'), Type.Literal('rate-limit')], { default: 'discard', description: 'what a FlowSpec measure does to matching traffic unless the measure names its own action' }),
    flowspecRate: Type.Integer({ minimum: 0, maximum: 4294967295, default: 0, description: 'bytes per second allowed by a rate-limit FlowSpec measure unless the measure names its own rate' }),
    // --- issue #19: the audit log's key custody, signer memory, skew and witness ---
    auditLogKey: Type.Optional(Type.String({ minLength: 1, description: "the audit log's signing key file (PKCS#8 PEM, Ed25519); keep it outside the data folder, mode 0600 (checked at start); default <data>/audit-log-key.pem" })),
    auditLogOrigin: Type.String({ pattern: '^[^\\s+]+$', default: 'acd/audit-log', description: "the audit log's name: the origin line of every checkpoint and the key's name" }),
    auditLogState: Type.Optional(Type.String({ minLength: 1, description: "the signer's memory of the last head it signed and the evidence of refused signatures; default <key file>.last-head" })),
    auditLogMaxSkewSeconds: Type.Integer({ minimum: 0, maximum: 86400 * 365, default: 300, description: 'an audit row earlier than the row logged before it by more than this is flagged (metric, error log, audit event) and fails verify' }),
    auditLogHeadIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 60, description: 'the appender signs a tree head this often when the log grew' }),
    auditWitnessUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'the witness (`acd witness`) that cosigns every head: its submission prefix (POST <url>/add-checkpoint)' })),
    auditLogPkcs11Module: Type.Optional(Type.String({ minLength: 1, description: 'PKCS#11 module holding the log key (e.g. /usr/lib/softhsm/libsofthsm2.so); when set, auditLogKey is not used' })),
    auditLogPkcs11Token: Type.Optional(Type.String({ minLength: 1, description: 'label of the PKCS#11 token with the log key' })),
    auditLogPkcs11KeyLabel: Type.String({ minLength: 1, default: 'acd-audit-log', description: 'CKA_LABEL of the Ed25519 key pair on the token' }),
    auditLogPkcs11Pin: Type.Optional(Type.String({ minLength: 1, description: "the token's user PIN (give it in the environment: ACD_AUDIT_LOG_PKCS11_PIN)" })),
    auditWitnessKey: Type.Optional(Type.String({ minLength: 1, description: "the witness's cosigner vkey (name+keyid+base64), or a file holding it; required with auditWitnessUrl" })),
    // issue #17 (intel integrity and tenancy): who may scrape /metrics
    metricsToken: Type.Optional(Type.String({ minLength: 16, description: 'Bearer token a Prometheus scrape of /metrics must send; without it /metrics answers loopback clients only' })),
    // issue #25: vulnerability advisories (src/vuln) — feeds pulled on a schedule; reminders use the reports* channels
    vulnFeeds: Type.Optional(
      Type.Object(
        {
          intervalSeconds: Type.Integer({ minimum: 60, maximum: 86400 * 7, default: 3600, description: 'seconds between pulls of every advisory feed' }),
          feeds: Type.Array(
            Type.Object(
              {
                id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'feed id' }),
                url: Type.String({ pattern: '^https?://', description: 'a URL answering one CSAF 2.0 / CVE JSON 5 / KEV document, an array of them, or a CSAF ROLIE feed' }),
                auth: Type.Optional(Type.String({ pattern: '^(bearer:.+|basic:[^:]+:.+)$', description: 'credentials: bearer:TOKEN or basic:USER:PASSWORD' })),
              },
              { additionalProperties: false },
            ),
            { default: [] },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    vulnRemindersIntervalSeconds: Type.Integer({ minimum: 10, maximum: 86400, default: 300, description: 'seconds between runs of the known-exploited reminder job (channels: reportsWebhookUrl, reportsSmtp*)' }),
    // issue #20: hostile input at the edges (flow-time window, token lifetime)
    flowMaxAheadSeconds: Type.Integer({ minimum: 1, maximum: 30 * 86400, default: 86400, description: 'a collected flow ending further ahead of the clock than this is dropped and counted as malformed (time_future)' }),
    flowMaxAgeDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'a collected flow ending further back than this is dropped and counted as malformed (time_past); default: retentionDays' })),
    tokenMaxLifetimeDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90, description: 'API tokens expire after at most this many days (a token asked for without an expiry gets this one)' }),
  },
  { additionalProperties: false },
);

export type AcdConfig = Static<typeof ConfigSchema>;

/**
 * Keys whose values are numbers or lists when given as text (environment variables, flags): read off the schema,
 * so a new key needs no second list.
 */
const PROPS = ConfigSchema.properties as Record<string, { type?: string }>;
export const NUMERIC_KEYS = new Set(Object.keys(PROPS).filter((k) => PROPS[k]!.type === 'integer' || PROPS[k]!.type === 'number'));
export const LIST_KEYS = new Set(Object.keys(PROPS).filter((k) => PROPS[k]!.type === 'array'));
