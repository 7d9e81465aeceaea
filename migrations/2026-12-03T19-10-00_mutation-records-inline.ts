/**
 * Mutation records keep their document in the row, compressed (storage MAIN for every variable-length
 * column of `mutations`).
 *
 * A record's row was past the toaster's 2 KB target whenever the basket's document compressed to more
 * than ~2 KB (a basket of ten-odd lines): the toaster then moved values out of line, a TOAST row and a
 * TOAST index entry written per value moved (in the bench's shape ~40% of records). It moves EXTENDED
 * columns first, any of them longer than a TOAST pointer — the command, even the owner id or the request
 * hash — so every such column is MAIN: compressed in place first, moved out only when the row would not
 * fit a page (~8 KB). write-cost (1,000 baskets, 2,000 adds): the write statement's WAL 22.7 → 20.6 records
 * and 3,939 → 3,766 bytes per add, the TOAST relation empty instead of 3,421 rows (5.9 MB), total size the
 * same; backend CPU within the machine's noise. Reading a record (an idempotent reply, a cache miss, a
 * stream catching up) no longer fetches TOAST chunks. New rows only.
 */
import { sql, type Kysely } from 'kysely';

/** The variable-length columns of `mutations` (all EXTENDED before this). */
const COLUMNS = ['owner_id', 'idempotency_key', 'request_hash', 'kind', 'payload', 'status', 'error', 'result'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations ${sql.raw(COLUMNS.map((c) => `alter column ${c} set storage main`).join(', '))}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table mutations ${sql.raw(COLUMNS.map((c) => `alter column ${c} set storage extended`).join(', '))}`.execute(db);
}
