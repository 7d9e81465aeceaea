/**
 * Indexes the retention sweep deletes by: finished mutations by age, baskets by last change. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists mutations_finished_at on mutations (finished_at)`.execute(db);
  await sql`create index if not exists baskets_status_updated_at on baskets (status, updated_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists mutations_finished_at`.execute(db);
  await sql`drop index if exists baskets_status_updated_at`.execute(db);
}
