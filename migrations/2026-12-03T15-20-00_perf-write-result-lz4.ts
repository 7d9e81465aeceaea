/**
 * Mutation records' documents (`mutations.result`, ~5–7 KB of JSON, written with every applied change and
 * since the perf-write-snapshot-once migration the only copy of a basket's document) are compressed with
 * lz4 instead of pglz: inserting 2,000 real snapshots three times, backend CPU per value written 72 → 30 µs
 * (6.5 KB documents) and 110 → 46 µs (8.4 KB; of which ~20 µs is the insert itself), reading one back
 * 22 → 19 µs, at ~11–13% more bytes (2,514 → 2,786 on average for the 8.4 KB ones). New values only;
 * existing ones stay as they are (both read the same). Needs a PostgreSQL built with lz4 (this one is).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations alter column result set compression lz4`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations alter column result set compression default`.execute(db);
}
