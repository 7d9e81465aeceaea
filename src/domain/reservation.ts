/**
 * Inventory reservation planning: pure. Given the units a basket's lines want held and what the stock
 * list shows, decide what the basket should hold per SKU. The persistence layer carries the plan out
 * atomically or reports that the world moved (then the caller re-reads and plans again).
 *
 * - `hold` (any shopper mutation): hold every wanted unit; all holdings get a fresh expiry. A shortfall
 *   on a SKU this mutation asks more of rejects the mutation; a shortfall elsewhere (units lost to
 *   expiry) keeps what is held and flags the SKU short.
 * - `expire` (the sweep's mutation): release holdings whose expiry has passed; others stay as they are.
 * - `keep` (a recalculation the shopper did not ask for): hold nothing new, release nothing, extend
 *   nothing; only tell which lines are short.
 */
export interface StockView {
  readonly sku: string;
  /** False when the stock list has no record of the SKU: nothing of it can be held. */
  readonly tracked: boolean;
  readonly onHand: number;
  /** Units held by all baskets, this one included. */
  readonly reserved: number;
  /** Units held by other baskets whose holdings have expired: available to take back. */
  readonly reclaimable: number;
  /** Units this basket holds, and until when. */
  readonly ours: number;
  readonly oursExpiresAt: Date | null;
}

export interface PlanItem {
  readonly sku: string;
  /** Units held when the plan was made (the executor checks it still is). */
  readonly have: number;
  readonly target: number;
}

export type ReservationPlan =
  | {
      readonly ok: true;
      readonly items: readonly PlanItem[];
      /** SKUs whose lines want more than the basket holds and can get: flash ProductItemNotAvailable. */
      readonly short: ReadonlySet<string>;
      /** New expiry of every holding the plan touches (hold mode), or null. */
      readonly expiresAt: Date | null;
      /** Earliest expiry among what the basket will hold afterwards, or null when it holds nothing. */
      readonly earliestExpiry: Date | null;
      /** Holdings the plan releases because they expired (expire mode). */
      readonly expired: number;
    }
  | { readonly ok: false; readonly sku: string; readonly requested: number; readonly available: number };

export interface PlanInput {
  readonly mode: 'hold' | 'expire' | 'keep';
  /** Units per SKU the basket's lines want held. */
  readonly desired: ReadonlyMap<string, number>;
  /** SKUs this mutation asks more units of than the basket had. */
  readonly increased: ReadonlySet<string>;
  readonly stock: ReadonlyMap<string, StockView>;
  readonly now: Date;
  readonly ttlSeconds: number;
}

/** More units are held than exist (on-hand was lowered below reserved): no holder can count on its units. */
export function oversubscribed(s: StockView | undefined): boolean {
  return s !== undefined && s.tracked && s.onHand < s.reserved - s.reclaimable;
}

/** Units of a SKU that nobody (alive) holds: never negative, even when on-hand was lowered below reserved. */
export function freeUnits(s: StockView | undefined): number {
  if (!s || !s.tracked) return 0;
  return Math.max(0, s.onHand - s.reserved + s.reclaimable);
}

/**
 * When holds made or refreshed at `now` expire: at least `ttlSeconds` later, rounded up to a step of a
 * tenth of the TTL (at most a minute). Every change of a basket within one step names the same expiry, so
 * its write leaves the rows of holdings it does not change alone instead of rewriting each one per change
 * (PostgreSQL runs without autovacuum here: every rewritten row stays behind dead). A hold lasts at least
 * the TTL after the basket's last change, and at most one step longer.
 */
export function holdExpiry(now: Date, ttlSeconds: number): Date {
  const step = Math.min(60_000, ttlSeconds * 100);
  return new Date(Math.ceil((now.getTime() + ttlSeconds * 1000) / step) * step);
}

export function planReservations(input: PlanInput): ReservationPlan {
  const skus = new Set<string>(input.desired.keys());
  for (const s of input.stock.values()) if (s.ours > 0 || s.oursExpiresAt !== null) skus.add(s.sku);
  const sorted = [...skus].sort();
  const items: PlanItem[] = [];
  const short = new Set<string>();
  const kept: Date[] = [];

  if (input.mode === 'hold') {
    const expiresAt = holdExpiry(input.now, input.ttlSeconds);
    for (const sku of sorted) {
      const s = input.stock.get(sku);
      const want = input.desired.get(sku) ?? 0;
      const have = s?.ours ?? 0;
      const obtainable = have + freeUnits(s);
      let target: number;
      if (want <= have || want <= obtainable) target = want;
      else if (input.increased.has(sku)) return { ok: false, sku, requested: want, available: obtainable };
      else {
        target = have;
        short.add(sku);
      }
      if (want > 0 && oversubscribed(s)) short.add(sku);
      if (target > 0 || have > 0 || s?.oursExpiresAt) items.push({ sku, have, target });
    }
    const holds = items.some((i) => i.target > 0);
    return { ok: true, items, short, expiresAt: holds ? expiresAt : null, earliestExpiry: holds ? expiresAt : null, expired: 0 };
  }

  let expiredCount = 0;
  for (const sku of sorted) {
    const s = input.stock.get(sku);
    const want = input.desired.get(sku) ?? 0;
    const have = s?.ours ?? 0;
    const expired = input.mode === 'expire' && s?.oursExpiresAt != null && s.oursExpiresAt.getTime() <= input.now.getTime();
    if (expired) {
      expiredCount++;
      items.push({ sku, have, target: 0 });
      // Released units come back: the line is still good if what is free now covers it.
      if (want > freeUnits(s) + have || (want > 0 && oversubscribed(s))) short.add(sku);
    } else {
      // Unchanged, but listed: the executor checks every holding (a reclaimed one, at 0, too) is as read.
      if (have > 0 || s?.oursExpiresAt) items.push({ sku, have, target: have });
      if (have > 0 && s?.oursExpiresAt) kept.push(s.oursExpiresAt);
      if (want > have + freeUnits(s) || (want > 0 && oversubscribed(s))) short.add(sku);
    }
  }
  const earliest = kept.length ? new Date(Math.min(...kept.map((d) => d.getTime()))) : null;
  return { ok: true, items, short, expiresAt: null, earliestExpiry: earliest, expired: expiredCount };
}

/**
 * A basket's stock view once another basket's holdings (`from`, e.g. a merged guest basket's) move to
 * it: they count as its own, and, if expired, no longer as reclaimable from someone else.
 */
export function withTransferredHoldings(stock: ReadonlyMap<string, StockView>, from: ReadonlyMap<string, StockView>, now: Date): Map<string, StockView> {
  const out = new Map(stock);
  for (const [sku, g] of from) {
    const mine = out.get(sku);
    if (!mine || g.ours === 0) continue;
    const expired = g.oursExpiresAt !== null && g.oursExpiresAt <= now ? g.ours : 0;
    const expiries = [mine.ours > 0 ? mine.oursExpiresAt : null, g.oursExpiresAt].filter((d): d is Date => d !== null);
    out.set(sku, {
      ...mine,
      ours: mine.ours + g.ours,
      reclaimable: Math.max(0, mine.reclaimable - expired),
      oursExpiresAt: expiries.length ? new Date(Math.min(...expiries.map((d) => d.getTime()))) : null,
    });
  }
  return out;
}

/**
 * What the basket must be told about when the stock moves: every SKU its lines want more units of than
 * the plan leaves it holding (it relies on units being free), or flashed short (it waits for units to
 * come back). Sorted by SKU; empty for a basket that holds all it wants.
 */
export function watchedSkus(desired: ReadonlyMap<string, number>, plan: ReservationPlan & { ok: true }): { sku: string; wanted: number; flashed: boolean }[] {
  const held = new Map(plan.items.map((i) => [i.sku, i.target]));
  return [...desired]
    .filter(([sku, want]) => want > 0 && (want > (held.get(sku) ?? 0) || plan.short.has(sku)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, wanted]) => ({ sku, wanted, flashed: plan.short.has(sku) }));
}

/** A plan entry in a named stock list (the site's, or a store's for pickup items). */
export interface ListPlanItem extends PlanItem {
  readonly stockList: string;
}

/** Per stock list, per SKU. */
export type PerList<T> = ReadonlyMap<string, ReadonlyMap<string, T>>;

export interface ListsPlanInput {
  readonly mode: PlanInput['mode'];
  /** Units per stock list and SKU the basket's lines want held. */
  readonly desired: PerList<number>;
  /** Per stock list, the SKUs this mutation asks more units of than the basket had there. */
  readonly increased: ReadonlyMap<string, ReadonlySet<string>>;
  /** What each stock list shows (every list the basket wants or holds units in). */
  readonly stock: PerList<StockView>;
  readonly now: Date;
  readonly ttlSeconds: number;
}

export type ListsReservationPlan =
  | {
      readonly ok: true;
      /** Every entry of every list, in (stock list, SKU) order: the executor checks and moves them in one write. */
      readonly items: readonly ListPlanItem[];
      /** Per stock list, the SKUs flashed ProductItemNotAvailable. */
      readonly short: ReadonlyMap<string, ReadonlySet<string>>;
      /** As `ReservationPlan`: the expiry every holding gets (hold mode, when anything is held), or null. */
      readonly expiresAt: Date | null;
      readonly earliestExpiry: Date | null;
      readonly expired: number;
    }
  | { readonly ok: false; readonly stockList: string; readonly sku: string; readonly requested: number; readonly available: number };

/**
 * `planReservations` for each stock list the basket wants or holds units in, as one plan: every list is
 * planned alone (units of one list never stand in for another's), and the first refusal (lists in order)
 * refuses it all. A line moved from one list to another asks more of the new list (refused there when
 * short) and gives its units back to the old one, in the same write.
 */
export function planAcrossStockLists(input: ListsPlanInput): ListsReservationPlan {
  const lists = [...new Set([...input.desired.keys(), ...input.stock.keys()])].sort();
  const items: ListPlanItem[] = [];
  const short = new Map<string, ReadonlySet<string>>();
  let expiresAt: Date | null = null;
  let earliest: Date | null = null;
  let expired = 0;
  for (const stockList of lists) {
    const plan = planReservations({
      mode: input.mode,
      desired: input.desired.get(stockList) ?? new Map(),
      increased: input.increased.get(stockList) ?? new Set(),
      stock: input.stock.get(stockList) ?? new Map(),
      now: input.now,
      ttlSeconds: input.ttlSeconds,
    });
    if (!plan.ok) return { ...plan, stockList };
    items.push(...plan.items.map((i) => ({ stockList, ...i })));
    if (plan.short.size > 0) short.set(stockList, plan.short);
    expiresAt ??= plan.expiresAt;
    if (plan.earliestExpiry !== null && (earliest === null || plan.earliestExpiry < earliest)) earliest = plan.earliestExpiry;
    expired += plan.expired;
  }
  return { ok: true, items, short, expiresAt, earliestExpiry: earliest, expired };
}

/** `watchedSkus` per stock list: what the basket must be told about when a list's stock moves. */
export function watchedHoldings(
  desired: PerList<number>,
  plan: ListsReservationPlan & { ok: true },
): { stockList: string; sku: string; wanted: number; flashed: boolean }[] {
  const lists = [...desired.keys()].sort();
  return lists.flatMap((stockList) => {
    const single = {
      ok: true as const,
      items: plan.items.filter((i) => i.stockList === stockList),
      short: plan.short.get(stockList) ?? new Set<string>(),
      expiresAt: plan.expiresAt,
      earliestExpiry: plan.earliestExpiry,
      expired: 0,
    };
    return watchedSkus(desired.get(stockList)!, single).map((w) => ({ stockList, ...w }));
  });
}
