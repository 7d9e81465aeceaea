/**
 * A basket's document is stored once per change. Every change wrote the full snapshot text (~5–7 KB) twice:
 * into `baskets.snapshot` and into its mutation record's `result`. Both were compressed; at the bench's
 * basket size the basket's copy still went out of line, so each change also inserted a TOAST row (and
 * index entry) and left the previous one dead (autovacuum is off here), ~2.3 KB of WAL per change.
 *
 * Now a write leaves `baskets.snapshot` null: the basket's current document is the `result` of its applied
 * record at the basket's version (`loadSnapshot`), and retention keeps that record while the basket exists.
 * A basket not written since keeps the text it has (read as before). `down` fills the column back in from
 * the records before restoring NOT NULL.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table baskets alter column snapshot drop not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update baskets b set snapshot = coalesce(
      (select m.result::text from mutations m where m.basket_id = b.id and m.version = b.version and m.status = 'applied' limit 1), '{}')
    where b.snapshot is null`.execute(db);
  await sql`alter table baskets alter column snapshot set not null`.execute(db);
}
