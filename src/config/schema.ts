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
    reportsMaxAttachmentBytes: Type.Integer({ minimum: 1, maximum: 1024 * 1048576, default: 10 * 1048576, description: 'largest evidence file attached to an incident report, in bytes' }),
    reportsWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'reminders of due and overdue report deadlines are POSTed here (JSON)' })),
    reportsWebhookToken: Type.Optional(Type.String({ minLength: 1, description: 'Bearer token sent with the reminder webhook' })),
    reportsSmtpHost: Type.Optional(Type.String({ minLength: 1, description: 'SMTP relay for reminder e-mails (with reportsSmtpFrom and reportsSmtpTo)' })),
    reportsSmtpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 25, description: 'port of the SMTP relay' }),
    reportsSmtpFrom: Type.Optional(Type.String({ minLength: 3, description: 'sender address of reminder e-mails' })),
    reportsSmtpTo: Type.Array(Type.String({ minLength: 3 }), { default: [], description: 'recipients of reminder e-mails (comma-separated in the environment)' }),
    // issue #20: hostile input at the edges (flow-time window, token lifetime)
    flowMaxAheadSeconds: Type.Integer({ minimum: 1, maximum: 30 * 86400, default: 86400, description: 'a collected flow ending further ahead of the clock than this is dropped and counted as malformed (time_future)' }),
    flowMaxAgeDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'a collected flow ending further back than this is dropped and counted as malformed (time_past); default: retentionDays' })),
    tokenMaxLifetimeDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90, description: 'API tokens expire after at most this many days (a token asked for without an expiry gets this one)' }),
  },
  { additionalProperties: false },
);

export type AcdConfig = Static<typeof ConfigSchema>;

/** Keys whose values are numbers or lists when given as text (environment variables, flags). */
export const NUMERIC_KEYS = new Set(['port', 'bodyLimit', 'sessionTtlMinutes', 'loginMaxAttempts', 'loginWindowSeconds', 'tokenCacheSeconds', 'busPartitions', 'reportsMaxAttachmentBytes', 'reportsSmtpPort']);
// issue #20
for (const k of ['flowMaxAheadSeconds', 'flowMaxAgeDays', 'tokenMaxLifetimeDays']) NUMERIC_KEYS.add(k);
export const LIST_KEYS = new Set(['domestic', 'reportsSmtpTo']);
