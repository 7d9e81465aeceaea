/**
 * Stock revisits without a gap between a watcher's write and a mover's judgement.
 *
 * A write that moves a SKU's units (`basket_apply_reservations`) flags `stocks.revisit` when another
 * basket's `stock_watch` row says it cares (see the stock-revisits migration). That judgement used the
 * snapshot its UPDATE statement started with: a watcher whose write committed while the mover's UPDATE
 * waited for the row (another mover of a hot SKU held it) was not seen, and the move was not flagged.
 * Now a move that went through judges again in a statement of its own, whose snapshot is taken while
 * it holds the row (a refused attempt still takes no lock: a flash sale's losers do not queue on the
 * row). With the watcher's own re-check after its write (it locks
 * the rows of the SKUs it watches and flags those that moved since it read them,
 * src/persistence/statements/recheck-watched-stock.ts), every move is judged either by the watcher (the
 * move committed first) or by the mover (the watcher committed first).
 *
 * REPLACES `basket_apply_reservations` (as of 2026-12-03T00-18-00_reservations-one-write: one write per
 * changed holding, no savepoint, BR001 out of the function): same signature and behaviour plus the second
 * judgement. `down` keeps it: it needs nothing this migration adds.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
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
              -- The whole statement fails (no savepoint per call): the caller reads BR001 as a conflict.
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
        -- The move above holds the row now. Its own judgement used the snapshot its UPDATE started with,
        -- which misses a watcher that committed while the UPDATE waited for the row (a hot SKU's other
        -- movers): judge again in a statement of its own, with a snapshot taken after the lock. It writes
        -- only when that finds a watcher the first judgement missed.
        if need > 0 then
          update stocks set revisit = true
            where stock_list = p_stock_list and sku = item.sku and not revisit
              and exists (select 1 from stock_watch w where w.stock_list = p_stock_list and w.sku = item.sku
                          and not w.flashed and w.basket_id <> p_basket);
        elsif need < 0 then
          update stocks set revisit = true
            where stock_list = p_stock_list and sku = item.sku and not revisit
              and exists (select 1 from stock_watch w where w.stock_list = p_stock_list and w.sku = item.sku
                          and w.flashed and w.basket_id <> p_basket);
        end if;
        if item.target > 0 then
          insert into reservations (basket_id, stock_list, sku, quantity, expires_at)
            values (p_basket, p_stock_list, item.sku, item.target, coalesce(p_expires, p_now))
            on conflict (basket_id, stock_list, sku) do update
              set quantity = excluded.quantity, expires_at = coalesce(p_expires, reservations.expires_at);
        else
          delete from reservations where basket_id = p_basket and stock_list = p_stock_list and sku = item.sku;
        end if;
      end loop;
      -- Any change of the basket extends all it holds (one statement, whatever the number of SKUs); the
      -- rows the loop just wrote have their new expiry already and are not written twice.
      if p_expires is not null then
        update reservations set expires_at = p_expires
          where basket_id = p_basket and stock_list = p_stock_list and expires_at is distinct from p_expires;
      end if;
      return 'ok';
    end;
    $fn$`.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to undo: the function with its second judgement runs on the previous schema unchanged.
}
