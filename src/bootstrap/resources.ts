/**
 * Connections a process holds: one PostgreSQL pool and one Redis command connection (shared by the
 * lane queues, workers' non-blocking commands, the snapshot cache and publishing). BullMQ makes its own
 * blocking connections from it. Standalone Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES):
 * the same code on both. `close()` ends them all.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type Db } from '../persistence/database.js';
import type pg from 'pg';
import { ensureDatabase, migrateToLatest } from '../persistence/migrate.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { Metrics } from '../observability/metrics.js';
import { LaneHealth } from '../observability/lane-health.js';
import { closeRedis, connectRedis, type RedisClient, type RedisTarget } from '../redis/client.js';
import { redisPublisher, RedisSubscriber, type Publisher, type Subscriber } from '../redis/pubsub.js';

export interface Resources {
  readonly db: Db;
  /** The pool under `db`, for the hot path's named prepared statements. */
  readonly pool: pg.Pool;
  /** Commands (API, producers, cache, replies): fails fast while Redis is unreachable, so requests get 503, not a hang. */
  readonly redis: RedisClient;
  readonly cache: SnapshotCache;
  /** Pub/sub publishing on `redis` (sharded on a cluster). */
  readonly publisher: Publisher;
  /** This process's metrics registry. */
  readonly metrics: Metrics;
  /** Lanes the watchdog found stuck (read by /ready). */
  readonly laneHealth: LaneHealth;
  /** A new connection for BullMQ workers (`maxRetriesPerRequest: null`, as BullMQ requires). */
  newRedis(): RedisClient;
  /** A subscriber on a connection of its own; the caller closes it. */
  newSubscriber(): Subscriber;
  close(): Promise<void>;
}

export function redisTarget(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

/**
 * Logs connection errors, at most once per node and message every 5 s: a dead node is retried many
 * times a second by every connection, and one line says as much as a thousand.
 */
function throttledErrorLog(logger: Logger): (err: Error, node: string | null) => void {
  const last = new Map<string, number>();
  return (err, node) => {
    const key = `${node ?? ''} ${err.message}`;
    const now = Date.now();
    if ((last.get(key) ?? 0) > now - 5000) return;
    last.set(key, now);
    if (last.size > 1000) last.clear();
    logger.warn({ node, err: { message: err.message } }, node ? 'redis node error' : 'redis connection error');
  };
}

export function createResources(config: Config, logger: Logger, processName = 'basket'): Resources {
  const { db, pool } = openDatabase(config.DATABASE_URL, config.PG_POOL_SIZE);
  const target = redisTarget(config);
  const onError = throttledErrorLog(logger);
  const newRedis = () => connectRedis(target, { maxRetriesPerRequest: null, onError });
  const redis = connectRedis(target, { maxRetriesPerRequest: 1, onError });
  return {
    db,
    pool,
    redis,
    cache: new SnapshotCache(redis, config.REDIS_PREFIX, config.SNAPSHOT_TTL_SECONDS),
    publisher: redisPublisher(redis),
    metrics: new Metrics(processName),
    laneHealth: new LaneHealth(),
    newRedis,
    newSubscriber: () => new RedisSubscriber(connectRedis(target, { maxRetriesPerRequest: null, shardedSubscriber: true, onError })),
    async close() {
      await closeRedis(redis);
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
