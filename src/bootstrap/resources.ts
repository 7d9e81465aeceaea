/**
 * Connections a process holds: one PostgreSQL pool and one Redis command connection (shared by the
 * lane queues, workers' non-blocking commands, the snapshot cache and reply publishing). BullMQ makes
 * its own blocking connections from it. `close()` ends them all.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type Db } from '../persistence/database.js';
import type pg from 'pg';
import { ensureDatabase, migrateToLatest } from '../persistence/migrate.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { Metrics } from '../observability/metrics.js';

export interface Resources {
  readonly db: Db;
  /** The pool under `db`, for the hot path's named prepared statements. */
  readonly pool: pg.Pool;
  /** Commands (API, producers, cache, replies): fails fast while Redis is unreachable, so requests get 503, not a hang. */
  readonly redis: Redis;
  readonly cache: SnapshotCache;
  /** This process's metrics registry. */
  readonly metrics: Metrics;
  /** A new connection for BullMQ workers (`maxRetriesPerRequest: null`, as BullMQ requires). */
  newRedis(): Redis;
  close(): Promise<void>;
}

export function createResources(config: Config, logger: Logger, processName = 'basket'): Resources {
  const { db, pool } = openDatabase(config.DATABASE_URL, config.PG_POOL_SIZE);
  const connect = (maxRetriesPerRequest: number | null) => {
    const r = new Redis(config.REDIS_URL, { maxRetriesPerRequest, enableReadyCheck: true });
    r.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
    return r;
  };
  const newRedis = () => connect(null);
  const redis = connect(1);
  return {
    db,
    pool,
    redis,
    cache: new SnapshotCache(redis, config.REDIS_PREFIX, config.SNAPSHOT_TTL_SECONDS),
    metrics: new Metrics(processName),
    newRedis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await db.destroy();
    },
  };
}

/** Creates the database if missing and migrates it: what `npm start` does before serving. */
export async function prepareDatabase(config: Config, db: Db, logger: Logger): Promise<void> {
  if (await ensureDatabase(config.DATABASE_URL)) logger.info('created database');
  const { results } = await migrateToLatest(db);
  for (const r of results ?? []) logger.info({ migration: r.migrationName, status: r.status }, 'migration');
}
