/**
 * Warm states: what a worker last wrote per basket, so that basket's next mutation is applied without
 * reading it back — one statement (the write) instead of two (issue 17, performance).
 *
 * Contract: a kept state is what `loadMutationState` would return right after the write that kept it
 * (`stateAfterWrite`: the basket, its lines, pk and holdings with their expiry; the reference data as it
 * was read), except that other baskets' effect on stock (`onHand`, `reserved`, `reclaimable`) may be old.
 * Why applying from it keeps every guarantee (apply-mutation.ts decides, this file only keeps):
 *  - the basket, its lines, its holdings: the write is guarded by the version and, when the plan holds or
 *    held anything, by the holdings it was made from (`basket_apply_reservations`), so a basket changed
 *    elsewhere since is refused whole (a write with an empty plan checks the version alone: nothing gives a
 *    basket holdings without a new version of it, a merge included; an expiry reclaim only zeroes them);
 *  - the mutation already recorded (a redelivered job): the record's primary key refuses the write;
 *  - the reference data (prices, products, the site, methods, promotions, tracked SKUs): the write is
 *    guarded by `reference_version` (see that migration);
 *  - other baskets' stock: units the plan takes are checked by the write (`on_hand - reserved >= need`);
 *    a refusal, a stock flash (not available, oversubscribed) or a stock watch is never decided warm, only
 *    from a fresh read; a lowered on-hand moves the reference version.
 * A refused warm write, or a warm outcome that is not a plain applied change, is a miss: the caller drops
 * the state and applies the mutation from a fresh read, at once.
 *
 * Worker-wide, per reference version, it also keeps the catalogue entries (by price list and SKU) and
 * stock views (by stock list and SKU, without any basket's own holdings) every fresh read returned, so a
 * warm mutation may name a SKU its basket never had.
 *
 * Bounded: `capacity` baskets, least recently written dropped first; the catalogue and stock maps are
 * emptied when they outgrow `capacity` entries each, or when the reference data moves on.
 */
import type { Basket, CatalogEntry } from '../domain/types.js';
import type { ListPlanItem, StockView } from '../domain/reservation.js';
import { basketAsRead, type MutationState } from '../persistence/basket.repository.js';

export class WarmStates {
  private readonly baskets = new Map<string, MutationState>();
  /** The reference version the worker-wide maps below were read at. */
  private referenceVersion = -1;
  private readonly catalog = new Map<string, CatalogEntry>();
  private readonly stock = new Map<string, StockView>();
  /** Mutations applied from a kept state, and tries that fell back to a fresh read. */
  hits = 0;
  misses = 0;

  /** `onUse`: told of every try, applied from the kept state (true) or fallen back to a fresh read. */
  constructor(
    private readonly capacity: number,
    private readonly onUse?: (hit: boolean) => void,
  ) {}

  /** Counts a try: applied from the kept state, or read afresh. */
  used(hit: boolean): void {
    if (hit) this.hits++;
    else this.misses++;
    this.onUse?.(hit);
  }

  /** The kept state of a basket, removed: a state is used once, and the next successful write keeps the next one. */
  take(basketId: string): MutationState | undefined {
    const state = this.baskets.get(basketId);
    if (state !== undefined) this.baskets.delete(basketId);
    return state;
  }

  /** Keeps `state` as the basket's (newest last: the first entries are the first dropped). */
  keep(basketId: string, state: MutationState): void {
    if (this.capacity <= 0) return;
    this.baskets.delete(basketId);
    this.baskets.set(basketId, state);
    if (this.baskets.size > this.capacity) this.baskets.delete(this.baskets.keys().next().value as string);
  }

  get size(): number {
    return this.baskets.size;
  }

  /** Learns catalogue entries and stock views from a fresh read (of any basket). */
  learn(state: MutationState): void {
    if (state.site === null || state.referenceVersion < this.referenceVersion) return;
    if (state.referenceVersion > this.referenceVersion || this.catalog.size > this.capacity || this.stock.size > this.capacity) {
      this.catalog.clear();
      this.stock.clear();
      this.referenceVersion = state.referenceVersion;
    }
    for (const [sku, entry] of state.catalog) this.catalog.set(key(state.site.priceList, sku), entry);
    for (const [list, views] of state.stock) {
      for (const view of views.values()) this.stock.set(key(list, view.sku), { ...view, ours: 0, oursExpiresAt: null });
    }
  }

  /**
   * `state` with a catalogue entry and a stock view (in the site's stock list) for each of `skus`, taken
   * from the worker-wide maps where the state lacks them; null when one is unknown at the state's
   * reference version (the mutation then needs a fresh read).
   */
  withSkus(state: MutationState, skus: readonly string[]): MutationState | null {
    const site = state.site;
    if (site === null) return null;
    const home = state.stock.get(site.stockList);
    const missing = skus.filter((sku) => !state.catalog.has(sku) || !home?.has(sku));
    if (missing.length === 0) return state;
    if (state.referenceVersion !== this.referenceVersion) return null;
    const catalog = new Map(state.catalog);
    const views = new Map(home);
    for (const sku of missing) {
      const entry = catalog.get(sku) ?? this.catalog.get(key(site.priceList, sku));
      const view = views.get(sku) ?? this.stock.get(key(site.stockList, sku));
      if (entry === undefined || view === undefined) return null;
      catalog.set(sku, entry);
      views.set(sku, view);
    }
    return { ...state, catalog, stock: new Map(state.stock).set(site.stockList, views) };
  }
}

/**
 * The state `loadMutationState` would return right after `read`'s basket was written as `after` (with
 * `pk`; the basket as read back, `basketAsRead`) and its holdings moved by `plan`, mirroring `basket_apply_reservations`: an entry moved to 0 is
 * deleted; any other entry holds its target, until the plan's expiry (or, without one, the expiry it had,
 * or now for a new row); with an expiry, every holding of the basket gets it; no plan entry, no change.
 * Other baskets' stock stays as read but for this basket's own moves (`reserved`). Null when a plan entry
 * has no stock view to mirror (the state is then not kept).
 */
export function stateAfterWrite(
  read: MutationState,
  after: Basket,
  pk: number,
  plan: { readonly items: readonly ListPlanItem[]; readonly expiresAt: Date | null },
  now: Date,
): MutationState | null {
  const stock = new Map<string, Map<string, StockView>>();
  for (const [list, views] of read.stock) stock.set(list, new Map(views));
  for (const item of plan.items) {
    const view = stock.get(item.stockList)?.get(item.sku);
    if (view === undefined) return null;
    stock.get(item.stockList)!.set(item.sku, {
      ...view,
      reserved: view.reserved + item.target - item.have,
      ours: item.target,
      oursExpiresAt: item.target === 0 ? null : (plan.expiresAt ?? view.oursExpiresAt ?? now),
    });
  }
  if (plan.items.length > 0 && plan.expiresAt !== null) {
    for (const views of stock.values()) {
      for (const [sku, view] of views) {
        if (view.ours > 0 || view.oursExpiresAt !== null) views.set(sku, { ...view, oursExpiresAt: plan.expiresAt });
      }
    }
  }
  // The basket as written and read back (its JSON documents in jsonb's key order, its lines by position), not
  // `after` as the domain built it: the next mutation must decide exactly as it would from a fresh read.
  // The site's policy in the basket's currency, as `loadMutationState` gives it (a created basket's may differ from the site's).
  const site = read.site === null || read.site.currency === after.currency ? read.site : { ...read.site, currency: after.currency };
  return { ...read, basket: basketAsRead(after), pk, recorded: null, site, stock };
}

const key = (list: string, sku: string) => `${list}\u0000${sku}`;
