/**
 * A mutation record's document (`mutations.result`, the version's snapshot kept for idempotent replies
 * and stream replays) becomes `json`: PostgreSQL keeps the text the worker rendered (checked, not
 * re-encoded) instead of parsing ~5–7 KB into jsonb on every mutation (measured ~0.25 ms of backend CPU
 * per mutation with the `jsonb_set` that added the pk). Nothing queries inside it. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations alter column result type json using result::json`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations alter column result type jsonb using result::jsonb`.execute(db);
}
