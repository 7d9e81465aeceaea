/**
 * Stock truth for baskets that do not hold what their lines want.
 *
 * `stock_watch`: one row per (basket, stock list, SKU) whose lines want more units than the basket holds
 * (its holding expired and was released, or was reclaimed), or whose line is flashed
 * ProductItemNotAvailable (`flashed`). Written only by the basket's own write (its lane), so it always
 * matches the basket's latest version. Most baskets hold all they want and have no row at all.
 *
 * `stocks.revisit`: "baskets watching this SKU may see it differently now". Set by the very UPDATE that
 * moves the units — units taken while an unflashed watcher relies on them being free, or units given back
 * while a flashed watcher waits for them — and by an admin change of on-hand. The expiry sweep drains the
 * flagged SKUs in batches (resetting the flag) and sends each affected basket a `recalculate` through its
 * lane. Why a flag on `stocks` and not a queue table: the flag rides on an UPDATE of the same row that
 * happens anyway (no extra statement or row on the hot path; setting it again while set is a HOT update),
 * and the only extra dead tuple is the sweep's reset, one per flagged SKU per sweep — this machine runs
 * PostgreSQL with autovacuum off, so insert-then-delete queue rows (a dead row and index entry per event)
 * would pile up faster. The partial index holds only the flagged SKUs, so the drain never scans `stocks`.
 *
 * REPLACES `basket_apply_reservations` (first defined in 2026-11-23T00-00-02_reservations): same
 * signature and behaviour, plus setting `stocks.revisit` when it moves units others watch.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table stocks add column revisit boolean not null default false`.execute(db);
  await sql`create index stocks_revisit on stocks (stock_list, sku) where revisit`.execute(db);
  await db.schema
    .createTable('stock_watch')
    .addColumn('basket_id', 'uuid', (c) => c.notNull().references('baskets.id').onDelete('cascade'))
    .addColumn('stock_list', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('wanted', 'integer', (c) => c.notNull().check(sql`wanted > 0`))
    .addColumn('flashed', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_watch_pk', ['basket_id', 'stock_list', 'sku'])
    .execute();
  await db.schema.createIndex('stock_watch_sku').on('stock_watch').columns(['stock_list', 'sku', 'flashed']).execute();

  await sql`
    create or replace function basket_apply_reservations(
      p_basket uuid, p_expected_version int, p_stock_list text, p_plan jsonb, p_expires timestamptz, p_now timestamptz
    ) returns text language plpgsql as $fn$
    declare
      current_version int;
      item record;
      need int;
      reclaimed int;
    begin
      select version into current_version from baskets where id = p_basket for update;
      if current_version is distinct from p_expected_version then
        return 'conflict';
      end if;
      -- Lock every holding of this basket (a reclaimer skips locked rows), then check they are as read.
      perform 1 from reservations where basket_id = p_basket and stock_list = p_stock_list for update;
      if exists (
        select 1
        from jsonb_to_recordset(p_plan) as x (sku text, have int, target int)
        full join (select r.sku, r.quantity from reservations r where r.basket_id = p_basket and r.stock_list = p_stock_list) held
          on held.sku = x.sku
        where coalesce(x.have, 0) <> coalesce(held.quantity, 0) or (x.sku is null and held.quantity = 0)
      ) then
        return 'conflict';
      end if;
      for item in
        select x.sku, x.have, x.target from jsonb_to_recordset(p_plan) as x (sku text, have int, target int)
        where x.target <> x.have or x.target = 0
        order by x.sku
      loop
        need := item.target - item.have;
        if need > 0 then
          -- Units taken: another basket that wants them without holding them (and is not flashed) must look again.
          update stocks set reserved = reserved + need, updated_at = p_now,
              revisit = revisit or exists (select 1 from stock_watch w where w.stock_list = p_stock_list and w.sku = item.sku
                                           and not w.flashed and w.basket_id <> p_basket)
            where stock_list = p_stock_list and sku = item.sku and on_hand - reserved >= need;
          if not found then
            -- What stands in the way may be other baskets' expired reservations: take them back now.
            -- (Their zeroed rows keep an expiry in the past, so the expiry sweep re-prices those baskets.)
            with victims as (
              select r.basket_id, r.quantity from reservations r
              where r.stock_list = p_stock_list and r.sku = item.sku and r.expires_at <= p_now
                and r.quantity > 0 and r.basket_id <> p_basket
              for update skip locked),
            zeroed as (
              update reservations r set quantity = 0 from victims v
              where r.basket_id = v.basket_id and r.stock_list = p_stock_list and r.sku = item.sku
              returning v.quantity)
            select coalesce(sum(quantity), 0) into reclaimed from zeroed;
            update stocks set reserved = reserved - reclaimed + need, updated_at = p_now,
                revisit = revisit or exists (select 1 from stock_watch w where w.stock_list = p_stock_list and w.sku = item.sku
                                             and not w.flashed and w.basket_id <> p_basket)
              where stock_list = p_stock_list and sku = item.sku and on_hand - (reserved - reclaimed) >= need;
            if not found then
              raise exception using errcode = 'BR001', message = 'not enough stock';
            end if;
          end if;
        elsif need < 0 then
          -- Units given back: a basket flashed for this SKU may be able to have them now.
          update stocks set reserved = reserved + need, updated_at = p_now,
              revisit = revisit or exists (select 1 from stock_watch w where w.stock_list = p_stock_list and w.sku = item.sku
                                           and w.flashed and w.basket_id <> p_basket)
            where stock_list = p_stock_list and sku = item.sku;
        end if;
        if item.target > 0 then
          insert into reservations (basket_id, stock_list, sku, quantity, expires_at)
            values (p_basket, p_stock_list, item.sku, item.target, coalesce(p_expires, p_now))
            on conflict (basket_id, stock_list, sku) do update set quantity = excluded.quantity;
        else
          delete from reservations where basket_id = p_basket and stock_list = p_stock_list and sku = item.sku;
        end if;
      end loop;
      -- Any change of the basket extends all it holds (one statement, whatever the number of SKUs).
      if p_expires is not null then
        update reservations set expires_at = p_expires where basket_id = p_basket and stock_list = p_stock_list;
      end if;
      return 'ok';
    exception when sqlstate 'BR001' then
      return 'conflict';
    end;
    $fn$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stock_watch').ifExists().execute();
  await sql`drop index if exists stocks_revisit`.execute(db);
  await sql`alter table stocks drop column if exists revisit`.execute(db);
}
