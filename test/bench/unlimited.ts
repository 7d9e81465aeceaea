/**
 * The service settings every bench runs with: one load generator from one address with a few tokens
 * would otherwise measure the client limits (rate limits, active baskets, queued writes per basket), not
 * the pipeline; a sync write waits up to 10 s; the worker's health port is any free one.
 */
export const BENCH_SERVICE_SETTINGS = {
  SYNC_WAIT_MS: '10000',
  WORKER_PORT: '0',
  RATE_LIMIT_MAX: '0',
  RATE_LIMIT_NEW_IDENTITY_MAX: '0',
  MAX_ACTIVE_BASKETS: '0',
  MAX_QUEUED_PER_BASKET: '0',
} as const;
