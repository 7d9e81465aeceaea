/**
 * `reservations` pages keep 20% room (fillfactor 80), so a holding's quantity change is a HOT update.
 *
 * A quantity change touches no indexed column, but a full page cannot take the row's new version, so the
 * update went to another page, with new entries in all three indexes and the old version left dead
 * until a vacuum (this machine runs without autovacuum). With room on the page the new version stays
 * beside the old one and page pruning reclaims the old one without a vacuum. write-cost (1,000 baskets,
 * 8,000 adds, a run within one expiry step): `reservations` 1,431 of 1,431 updates HOT and 7 dead rows
 * left, against 1,046 of 5,621 HOT and 4,578 dead (a run that crossed a step: an expiry refresh still
 * rewrites each holding once per step, `expires_at` being indexed). Applies to pages written from now on;
 * an existing table's pages get the room when rewritten (VACUUM FULL), which this migration does not do
 * (it would lock the table).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table reservations set (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table reservations reset (fillfactor)`.execute(db);
}
