/**
 * Inventory reservations: one row per (basket, stock list, SKU) with the units it holds and when they
 * expire. `stocks.reserved` always equals the sum of the rows' quantities for that SKU (README
 * "Invariants" 3); a row reclaimed by another shopper after it expired keeps quantity 0 until the sweep's
 * `expire_reservations` mutation removes it in its basket's lane.
 *
 * `basket_apply_reservations` carries out a reservation plan the pure core made, all or nothing, and
 * answers 'conflict' instead when the world moved since the plan was made (the caller re-reads and
 * re-plans). SKUs are locked in sorted order, so concurrent plans never deadlock. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reservations')
    .addColumn('basket_id', 'uuid', (c) => c.notNull().references('baskets.id').onDelete('cascade'))
    .addColumn('stock_list', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity >= 0`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('reservations_pk', ['basket_id', 'stock_list', 'sku'])
    .execute();
  await db.schema.createIndex('reservations_sku_expiry').on('reservations').columns(['stock_list', 'sku', 'expires_at']).execute();
  await db.schema.createIndex('reservations_expiry').on('reservations').column('expires_at').execute();

  await sql`
    create function basket_apply_reservations(
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
          update stocks set reserved = reserved + need, updated_at = p_now
            where stock_list = p_stock_list and sku = item.sku and on_hand - reserved >= need;
          if not found then
            -- What stands in the way may be other baskets' expired reservations: take them back now.
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
            update stocks set reserved = reserved - reclaimed + need, updated_at = p_now
              where stock_list = p_stock_list and sku = item.sku and on_hand - (reserved - reclaimed) >= need;
            if not found then
              raise exception using errcode = 'BR001', message = 'not enough stock';
            end if;
          end if;
        elsif need < 0 then
          update stocks set reserved = reserved + need, updated_at = p_now where stock_list = p_stock_list and sku = item.sku;
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
  await sql`drop function if exists basket_apply_reservations(uuid, int, text, jsonb, timestamptz, timestamptz)`.execute(db);
  await db.schema.dropTable('reservations').ifExists().execute();
}
