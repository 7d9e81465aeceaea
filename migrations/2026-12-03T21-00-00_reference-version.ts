/**
 * One counter for the reference data a mutation is priced and held by (issue 17, performance).
 *
 * A worker that keeps the state it last wrote for a basket applies the basket's next mutation without
 * reading it back (src/application/warm-states.ts). Everything else that state holds is checked by the
 * write itself (the basket's version, its holdings, the stock it takes, the mutation record's primary
 * key), except the reference data: the site, its price list's prices, the products, shipping and payment
 * methods, promotions, and which SKUs a stock list tracks. Any statement that changes them moves
 * `reference_version.version` on; the state read returns it and the basket write refuses to apply when it
 * has moved since (`write_basket_update`: nothing written, re-read and re-apply), so a change is never
 * priced by data older than the last committed admin change.
 *
 * Statement-level triggers: one row update per admin statement, whatever the number of rows. `stocks`
 * counts rows added or removed (whether a SKU is tracked) and changes of `on_hand` (a lowered on-hand can
 * leave a SKU oversubscribed, which flashes the lines that want it: decided from a fresh read). The
 * mutations' own updates of `reserved` do not count (they never set `on_hand`): the write checks them
 * (`on_hand - reserved >= need`). Counted per statement, so a redemption report (`promotions.redeemed`)
 * or a stock upload moves every worker's kept states on at once: each misses once. The row is updated in
 * place (HOT): its dead versions are pruned with the page, without a vacuum (one per admin statement;
 * a snapshot held open for long keeps them until it ends).
 */
import { sql, type Kysely } from 'kysely';

const REFERENCE_TABLES = ['sites', 'products', 'price_lists', 'prices', 'stock_lists', 'shipping_methods', 'payment_methods', 'promotions'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table reference_version (
    id boolean primary key default true check (id),
    version bigint not null
  ) with (fillfactor = 50)`.execute(db);
  await sql`insert into reference_version (id, version) values (true, 1)`.execute(db);
  await sql`create function reference_version_bump() returns trigger language plpgsql as $fn$
    begin
      update reference_version set version = version + 1;
      return null;
    end;
    $fn$`.execute(db);
  for (const table of REFERENCE_TABLES) {
    await sql`create trigger reference_version_bump after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function reference_version_bump()`.execute(db);
  }
  await sql`create trigger reference_version_bump after insert or delete or truncate or update of on_hand on stocks
    for each statement execute function reference_version_bump()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [...REFERENCE_TABLES, 'stocks']) await sql`drop trigger reference_version_bump on ${sql.table(table)}`.execute(db);
  await sql`drop function reference_version_bump()`.execute(db);
  await sql`drop table reference_version`.execute(db);
}
