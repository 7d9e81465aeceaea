/**
 * The drain side of stock revisits: SKUs flagged `stocks.revisit` by the write that moved their units
 * (or by an admin change of on-hand), and the baskets whose view of them may now be wrong.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';
import { runStatement, type Queryable } from './statement.js';
import { recheckWatchedStock } from './statements/recheck-watched-stock.js';

export interface FlaggedStock {
  readonly stockList: string;
  readonly sku: string;
}

export interface RevisitCandidate {
  readonly basketId: string;
  readonly version: number;
}

/**
 * Takes up to `limit` flagged SKUs and clears their flag, in one statement (rows another drain is
 * clearing are skipped). A write that moves the units after this sets the flag again.
 */
export async function takeFlaggedStocks(db: Db, limit: number): Promise<FlaggedStock[]> {
  const { rows } = await sql<{ stock_list: string; sku: string }>`
    with flagged as (
      select stock_list, sku from stocks where revisit order by stock_list, sku limit ${limit} for update skip locked)
    update stocks s set revisit = false from flagged f
    where s.stock_list = f.stock_list and s.sku = f.sku
    returning s.stock_list, s.sku`.execute(db);
  return rows.map((r) => ({ stockList: r.stock_list, sku: r.sku }));
}

/** Flags a SKU again (its candidates did not fit in this sweep's budget, or enqueueing them failed). */
export async function flagStock(db: Db, s: FlaggedStock): Promise<void> {
  await sql`update stocks set revisit = true where stock_list = ${s.stockList} and sku = ${s.sku} and not revisit`.execute(db);
}

/**
 * Flags every SKU whose baskets may need telling: those some basket watches, and those held beyond their
 * on-hand (holders are judged without watch rows). For a process that starts: a drain that took flags and
 * died before enqueueing their re-pricings lost that news, and only a fresh judgement finds it again
 * (judging is exact, so baskets whose view is right get nothing). Returns how many SKUs it flagged.
 */
export async function flagWatchedStocks(db: Db): Promise<number> {
  const result = await sql`
    update stocks s set revisit = true
    where not s.revisit
      and (s.on_hand < s.reserved or exists (select 1 from stock_watch w where w.stock_list = s.stock_list and w.sku = s.sku))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Active baskets whose showing of `sku` may be wrong now, judged from the stock as it is (the basket's own
 * re-pricing then decides exactly): free units = on-hand − reserved + expired holdings.
 *  - watching, not flashed, and wanting more than it holds plus what is free (or the SKU oversubscribed);
 *  - flashed, and what it lacks is free now (and the SKU not oversubscribed);
 *  - holding units of an oversubscribed SKU (on-hand lowered below what is held) without being flashed.
 * At most `limit` rows, with the basket's version (the re-pricing's mutation id is derived from it).
 */
export async function revisitCandidates(db: Db, s: FlaggedStock, now: Date, limit: number): Promise<RevisitCandidate[]> {
  const { rows } = await sql<{ basket_id: string; version: number }>`
    with st as (
      select on_hand, reserved,
             (select coalesce(sum(r.quantity), 0) from reservations r
               where r.stock_list = ${s.stockList} and r.sku = ${s.sku} and r.expires_at <= ${now})::int as reclaimable
      from stocks where stock_list = ${s.stockList} and sku = ${s.sku}),
    view as (
      select greatest(0, on_hand - reserved + reclaimable) as free, on_hand < reserved - reclaimable as oversubscribed from st),
    candidates as (
      select w.basket_id from stock_watch w
      cross join view v
      left join reservations r on r.basket_id = w.basket_id and r.stock_list = w.stock_list and r.sku = w.sku
      where w.stock_list = ${s.stockList} and w.sku = ${s.sku}
        and ((not w.flashed and (w.wanted - coalesce(r.quantity, 0) > v.free or v.oversubscribed))
          or (w.flashed and w.wanted - coalesce(r.quantity, 0) <= v.free and not v.oversubscribed))
      union
      select r.basket_id from reservations r
      cross join view v
      where v.oversubscribed and r.stock_list = ${s.stockList} and r.sku = ${s.sku} and r.quantity > 0
        and not exists (select 1 from stock_watch w where w.basket_id = r.basket_id and w.stock_list = r.stock_list and w.sku = r.sku and w.flashed))
    select b.id as basket_id, b.version from candidates c join baskets b on b.id = c.basket_id and b.status = 'active'
    order by b.id
    limit ${limit}`.execute(db);
  return rows.map((r) => ({ basketId: r.basket_id, version: r.version }));
}

/** A watched SKU's on-hand and reserved units as a mutation read them. */
export interface SeenStock {
  readonly sku: string;
  readonly onHand: number;
  readonly reserved: number;
}

/**
 * After a write that left its basket watching `seen`'s SKUs: flags those whose units moved since the
 * read (see the recheck-watched-stock statement). Returns the SKUs flagged.
 */
export async function recheckWatched(db: Queryable, stockList: string, seen: readonly SeenStock[]): Promise<string[]> {
  if (seen.length === 0) return [];
  const json = JSON.stringify(seen.map((s) => ({ sku: s.sku, on_hand: s.onHand, reserved: s.reserved })));
  const rows = await runStatement(db, recheckWatchedStock, { stockList, seen: json });
  return rows.map((r) => r.sku);
}
