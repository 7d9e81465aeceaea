/**
 * Readiness of a process (`/ready`: a load balancer sends traffic only to a ready process): PostgreSQL and Redis answer, and the database schema
 * has every migration this code knows. The schema check is remembered once it passed (migrations only
 * ever move forward while a process runs).
 */
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Db } from '../persistence/database.js';
import { isSchemaCurrent } from '../persistence/migrate.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: { postgres: boolean; redis: boolean; migrations: boolean };
}

export function readinessCheck(db: Db, redis: Redis): () => Promise<Readiness> {
  let schemaCurrent = false;
  return async () => {
    const checks = { postgres: false, redis: false, migrations: schemaCurrent };
    await Promise.all([
      sql`select 1`.execute(db).then(() => (checks.postgres = true), () => undefined),
      redis.ping().then(() => (checks.redis = true), () => undefined),
    ]);
    if (checks.postgres && !schemaCurrent) schemaCurrent = checks.migrations = await isSchemaCurrent(db).catch(() => false);
    return { ready: checks.postgres && checks.redis && checks.migrations, checks };
  };
}
