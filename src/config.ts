/**
 * The only reader of process.env. Parsed once with zod, frozen, and passed down explicitly.
 * Every setting has a default that works on a machine with local PostgreSQL and Redis.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me';
const DEV_ADMIN_TOKEN = 'dev-admin-token';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Which proxies' `X-Forwarded-For` to believe for a client's address (per-address rate limits, logs):
 * blank → none (the socket's peer is the client); `true` → every hop; a number → that many hops; else a
 * comma-separated list of proxy addresses or CIDR ranges (Fastify's `trustProxy`).
 */
const trustProxy = z
  .string()
  .default('')
  .transform((value, ctx): boolean | number | string[] => {
    const v = value.trim();
    if (v === '' || v === 'false') return false;
    if (v === 'true') return true;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    const entries = v.split(',').map((s) => s.trim());
    for (const entry of entries) {
      const [address, bits, ...rest] = entry.split('/');
      const family = isIP(address ?? '');
      const maxBits = family === 6 ? 128 : 32;
      if (family === 0 || rest.length > 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits))) {
        ctx.addIssue({ code: 'custom', message: `expected true, a hop count, or proxy addresses / CIDR ranges; got '${entry}'` });
        return z.NEVER;
      }
    }
    return entries;
  });

/** `host:port,host:port,…` → seed nodes; blank → [] (standalone Redis at REDIS_URL). */
const clusterNodes = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const nodes: { host: string; port: number }[] = [];
    for (const entry of value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)) {
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `expected host:port, got '${entry}'` });
        return z.NEVER;
      }
      nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
    }
    return nodes;
  });

const EnvSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of a worker-only process's /health, /ready and /metrics (0: any free port). */
  WORKER_PORT: int(3001, 0, 65535),
  DATABASE_URL: z.string().url().default('postgres://postgres:postgres@127.0.0.1:5432/basket'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Seed nodes of a Redis Cluster (`host:port,…`); when set, every process uses the cluster and ignores REDIS_URL. */
  REDIS_CLUSTER_NODES: clusterNodes,
  /** Prefix of every Redis key this service writes (BullMQ queues, snapshots, idempotency records). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('basket'),
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  JWT_TTL_SECONDS: int(86_400, 60, 31_536_000),
  /** Longest lifetime a bearer token may have (exp − iat); `exp` is always required. */
  JWT_MAX_LIFETIME_SECONDS: int(7 * 86_400, 60, 31_536_000),
  /** When set, tokens must carry this issuer / audience (and the tokens this service signs do). */
  JWT_ISSUER: z.string().min(1).max(255).optional(),
  JWT_AUDIENCE: z.string().min(1).max(255).optional(),
  ADMIN_TOKEN: z.string().min(8).default(DEV_ADMIN_TOKEN),
  LANES: int(64, 1, 4096),
  RESERVATION_TTL_SECONDS: int(600, 1, 86_400 * 7),
  /** How often the expiry sweep looks for baskets whose held inventory expired, and how many per sweep. */
  EXPIRY_SWEEP_MS: int(5000, 100, 3_600_000),
  EXPIRY_BATCH: int(500, 1, 100_000),
  SYNC_WAIT_MS: int(5000, 0, 60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AKINON_SITE: z.string().min(1).default('default'),
  /** How long an Akinon guest session cookie lasts after it was (re-)issued (Django's default: two weeks). */
  AKINON_SESSION_TTL_SECONDS: int(1_209_600, 60, 31_536_000),
  /** A session cookie older than this is re-issued (new value, same session and basket) on its next use. */
  AKINON_SESSION_ROTATE_SECONDS: int(86_400, 1, 31_536_000),
  /** Bull Board without retry/clean/promote/remove actions. */
  BOARD_READ_ONLY: bool(false),
  MAX_LINE_QUANTITY: int(999, 1, 1_000_000),
  MAX_LINES: int(50, 1, 1000),
  /** Custom properties (c_*) on a basket itself, and on each product line: most keys, most bytes (as JSON). */
  MAX_CUSTOM_PROPERTIES: int(50, 1, 10_000),
  MAX_CUSTOM_PROPERTY_BYTES: int(8192, 64, 1_048_576),
  BODY_LIMIT_BYTES: int(65_536, 1024, 10_485_760),
  /** How long a crashed worker's job stays locked before another worker takes it over. */
  JOB_LOCK_MS: int(10_000, 1000, 600_000),
  JOB_STALLED_CHECK_MS: int(5_000, 500, 600_000),
  /**
   * A lane with waiting jobs, none active and no progress for this long is stuck: its worker is closed
   * and recreated, and /ready fails until it moves again.
   */
  LANE_WATCHDOG_MS: int(10_000, 1000, 600_000),
  /** Pool size of each process's PostgreSQL pool. */
  PG_POOL_SIZE: int(20, 1, 500),
  /**
   * Baskets whose last written state a worker process keeps, to apply their next mutation without reading
   * it back (src/application/warm-states.ts; ~10 KB each); 0: every mutation reads its basket.
   */
  WARM_BASKETS: int(2000, 0, 1_000_000),
  SNAPSHOT_TTL_SECONDS: int(7 * 86_400, 60, 365 * 86_400),
  IDEMPOTENCY_TTL_SECONDS: int(86_400, 60, 30 * 86_400),
  /** Requests per window per client (token sub, Akinon session, else address), shared by all API processes; 0: off. */
  RATE_LIMIT_MAX: int(1200, 0, 10_000_000),
  /** Requests per window per address that mint a new identity (POST /auth/guest, Akinon without token or session); 0: off. */
  RATE_LIMIT_NEW_IDENTITY_MAX: int(120, 0, 10_000_000),
  RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 3_600_000),
  /** Proxies whose X-Forwarded-For names the client's address (see `trustProxy` above); blank: none. */
  TRUST_PROXY: trustProxy,
  /** Active baskets one customer may hold (agents are not limited); 0: no limit. */
  MAX_ACTIVE_BASKETS: int(10, 0, 100_000),
  /** Mutations one basket may have queued; past it writes get 429 + Retry-After (0: no limit). */
  MAX_QUEUED_PER_BASKET: int(20, 0, 100_000),
  /**
   * Hot-basket routing (src/queue/basket-backpressure.ts): HOT_LANES extra lanes where a basket whose
   * backlog (queued or running) reaches HOT_BASKET_QUEUED runs, so it no longer delays the other baskets
   * of its home lane; it moves only while none of its mutations is queued or running (its new writes wait
   * at most HOT_SWITCH_WAIT_MS for that), and goes home once it has been below the threshold for
   * HOT_BASKET_COOLDOWN_MS and is idle. HOT_LANES=0: off. All processes must agree on HOT_LANES.
   */
  HOT_LANES: int(4, 0, 256),
  HOT_BASKET_QUEUED: int(6, 2, 100_000),
  HOT_BASKET_COOLDOWN_MS: int(10_000, 100, 3_600_000),
  HOT_SWITCH_WAIT_MS: int(2000, 0, 60_000),
  /**
   * HTTP edge: the whole request (headers and body) must arrive within HTTP_REQUEST_TIMEOUT_MS (else 408
   * and the connection is closed: slow-trickling clients cannot hold connections); an idle connection is
   * closed after HTTP_CONNECTION_TIMEOUT_MS; keep-alive lasts HTTP_KEEP_ALIVE_TIMEOUT_MS; connections
   * past HTTP_MAX_CONNECTIONS are dropped at once.
   */
  HTTP_REQUEST_TIMEOUT_MS: int(15_000, 1000, 600_000),
  HTTP_CONNECTION_TIMEOUT_MS: int(75_000, 1000, 3_600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1000, 3_600_000),
  HTTP_MAX_CONNECTIONS: int(10_000, 1, 1_000_000),
  /** Bearer token for GET /metrics on the API (ADMIN_TOKEN works too). */
  METRICS_TOKEN: z.string().min(8).optional(),
  /** How often the lane gauges (jobs per lane and state) are gathered; scrapes read the last pass. */
  METRICS_LANE_INTERVAL_MS: int(5000, 100, 300_000),
  /**
   * Retention (a scheduled job on the expiry queue): mutation-log rows older than
   * RETENTION_MUTATION_SECONDS (never less than IDEMPOTENCY_TTL_SECONDS), deleted baskets older than
   * RETENTION_DELETED_BASKET_SECONDS, active baskets untouched for RETENTION_ABANDONED_BASKET_SECONDS;
   * every RETENTION_SWEEP_MS, RETENTION_BATCH rows per statement.
   */
  RETENTION_SWEEP_MS: int(3_600_000, 1000, 86_400_000),
  RETENTION_MUTATION_SECONDS: int(30 * 86_400, 60, 3650 * 86_400),
  RETENTION_DELETED_BASKET_SECONDS: int(7 * 86_400, 60, 3650 * 86_400),
  RETENTION_ABANDONED_BASKET_SECONDS: int(90 * 86_400, 60, 3650 * 86_400),
  RETENTION_BATCH: int(500, 1, 100_000),
  /** Failed mutation jobs kept per lane (each stripped to ids and kind); older ones are removed. */
  FAILED_JOBS_KEPT: int(100, 0, 100_000),
  /**
   * Basket event streams (SSE): heartbeat interval, open streams per shopper (all processes) and per process,
   * and how many missed versions a resume replays before it asks for a reload.
   */
  SSE_HEARTBEAT_MS: int(15_000, 100, 300_000),
  SSE_MAX_STREAMS_PER_CUSTOMER: int(5, 1, 1000),
  SSE_MAX_STREAMS_PER_PROCESS: int(10_000, 1, 1_000_000),
  SSE_REPLAY_MAX: int(50, 0, 10_000),
  /**
   * An external issuer of shopper tokens (a storefront's SLAS): its `iss`, required `aud`, and JWKS URL.
   * All three or none; unset, only this service's HS256 tokens are accepted.
   */
  EXTERNAL_JWT_ISSUER: z.string().min(1).max(512).optional(),
  EXTERNAL_JWT_AUDIENCE: z.string().min(1).max(512).optional(),
  EXTERNAL_JWT_JWKS_URL: z.string().url().optional(),
  EXTERNAL_JWKS_CACHE_TTL_MS: int(600_000, 1000, 86_400_000),
  EXTERNAL_JWKS_TIMEOUT_MS: int(3000, 100, 60_000),
});

export type Config = Readonly<z.infer<typeof EnvSchema>> & {
  readonly usingDevSecrets: { readonly jwt: boolean; readonly admin: boolean };
};

/** Parses the given environment (process.env by default); throws a readable error on bad values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.superRefine((c, ctx) => {
    const set = [c.EXTERNAL_JWT_ISSUER, c.EXTERNAL_JWT_AUDIENCE, c.EXTERNAL_JWT_JWKS_URL].filter((v) => v !== undefined).length;
    if (set !== 0 && set !== 3)
      ctx.addIssue({
        code: 'custom',
        path: ['EXTERNAL_JWT_ISSUER'],
        message: 'set EXTERNAL_JWT_ISSUER, EXTERNAL_JWT_AUDIENCE and EXTERNAL_JWT_JWKS_URL together',
      });
    // Tokens claiming the external issuer are routed to its JWKS verifier: this service's own must not claim it too.
    if (c.EXTERNAL_JWT_ISSUER !== undefined && c.JWT_ISSUER === c.EXTERNAL_JWT_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['JWT_ISSUER'], message: 'must differ from EXTERNAL_JWT_ISSUER' });
    }
  }).safeParse(env);
  if (parsed.success && parsed.data.JWT_TTL_SECONDS > parsed.data.JWT_MAX_LIFETIME_SECONDS) {
    throw new Error('invalid environment:\n  JWT_TTL_SECONDS: must not exceed JWT_MAX_LIFETIME_SECONDS');
  }
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return Object.freeze({
    ...parsed.data,
    usingDevSecrets: Object.freeze({
      jwt: parsed.data.JWT_SECRET === DEV_JWT_SECRET,
      admin: parsed.data.ADMIN_TOKEN === DEV_ADMIN_TOKEN,
    }),
  });
}
