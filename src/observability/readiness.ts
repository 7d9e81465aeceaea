/**
 * Readiness of a process (`/ready`: a load balancer sends traffic only to a ready process): PostgreSQL
 * and Redis answer — on a Redis Cluster every master, with every slot served — the database schema has
 * every migration this code knows, and no lane of this process is stuck past the watchdog's bound. The
 * schema check is remembered once it passed (migrations only ever move forward while a process runs).
 */
import { sql } from 'kysely';
import type { Db } from '../persistence/database.js';
import { isSchemaCurrent } from '../persistence/migrate.js';
import { everyMasterAnswers, type RedisClient } from '../redis/client.js';
import type { LaneHealth } from './lane-health.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: { postgres: boolean; redis: boolean; migrations: boolean; lanes: boolean };
  /** Queues the watchdog found stuck, when any. */
  readonly stuck?: string[];
}

export function readinessCheck(db: Db, redis: RedisClient, lanes?: LaneHealth): () => Promise<Readiness> {
  let schemaCurrent = false;
  return async () => {
    const checks = { postgres: false, redis: false, migrations: schemaCurrent, lanes: lanes?.healthy() ?? true };
    await Promise.all([
      sql`select 1`.execute(db).then(() => (checks.postgres = true), () => undefined),
      everyMasterAnswers(redis).then((ok) => (checks.redis = ok)),
    ]);
    if (checks.postgres && !schemaCurrent) schemaCurrent = checks.migrations = await isSchemaCurrent(db).catch(() => false);
    const stuck = lanes?.stuckQueues() ?? [];
    return { ready: checks.postgres && checks.redis && checks.migrations && checks.lanes, checks, ...(stuck.length ? { stuck } : {}) };
  };
}
