/**
 * Basket writes as HOT updates. The retention index covered `baskets.updated_at`, which every mutation
 * changes, so no basket update could be HOT: each left a dead row version and dead index entries behind,
 * and PostgreSQL here runs without autovacuum. Retention now finds idle baskets by `active_on` (the day of
 * the last change, which changes at most once a day per basket) and checks `updated_at` exactly on those
 * rows; the pages keep room for a row's next version (fillfactor), where HOT pruning reclaims the dead one
 * without a vacuum. A write path that does not set `active_on` leaves it older than `updated_at`'s day,
 * which only widens the candidates (the exact `updated_at` check decides). Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table baskets add column if not exists active_on date not null default current_date`.execute(db);
  await sql`update baskets set active_on = updated_at::date where active_on <> updated_at::date`.execute(db);
  await sql`create index if not exists baskets_status_active_on on baskets (status, active_on)`.execute(db);
  await sql`drop index if exists baskets_status_updated_at`.execute(db);
  await sql`alter table baskets set (fillfactor = 70)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table baskets reset (fillfactor)`.execute(db);
  await sql`create index if not exists baskets_status_updated_at on baskets (status, updated_at)`.execute(db);
  await sql`drop index if exists baskets_status_active_on`.execute(db);
  await sql`alter table baskets drop column if exists active_on`.execute(db);
}
