/**
 * `basket_apply_reservations`, cheaper per call, same signature and the same effect on success:
 *
 * - a reservation row the plan changes is written once (its quantity and new expiry together), not
 *   twice (the quantity, then the expiry refresh of every row): one row version and three index entries
 *   less per mutation (PostgreSQL here runs without autovacuum, so every dead row stays);
 * - the refresh skips rows already at the new expiry;
 * - no `EXCEPTION` block, so no subtransaction per call. Stock that is gone after reclaiming raises
 *   SQLSTATE BR001 out of the function: the whole statement fails and nothing it did stays, exactly as
 *   before when the savepoint rolled back and the function answered 'conflict'. The caller
 *   (writeMutationOutcome) reads BR001 as a concurrent modification (re-read, re-plan), as it read
 *   'conflict'. Inside a transaction (a merge, a create-with-change) the error rolls the transaction
 *   back, as the ConcurrentModificationError it became did before.
 *
 * REPLACES `basket_apply_reservations` (last defined in 2026-12-03T00-15-00_stock-revisits). Frozen in time.
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

export async function down(db: Kysely<any>): Promise<void> {
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
