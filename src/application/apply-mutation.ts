/**
 * The use case at the heart of the service: apply one mutation.
 *
 *   read state (basket, lines, site, catalogue, any record of this mutation) in one statement — or, when
 *   this worker wrote the basket's last version, start from the state it kept (warm-states.ts)
 *   → already recorded? return that outcome (exactly-once)
 *   → pure apply + price → write basket, lines and mutation record in one statement, guarded by the
 *     version read and the reference data's version (a concurrent change makes the write fail as a whole
 *     and the caller retries; a refused warm write is retried at once from a fresh read).
 *
 * Call it only from the lane worker: the lane keeps one job per basket at a time; the version guard and
 * the mutation record's primary key keep the guarantees when BullMQ redelivers a stalled job.
 * Throws only for infrastructure errors (see `isTransientError`); business rejections are outcomes.
 */
import { COMMANDS, applyMutation, codesInvolved, isAgentOnly, skusInvolved, type MutationCommand, type MutationContext } from '../domain/mutations.js';
import { priceBasket, type PricedBasket } from '../domain/totals.js';
import { checkoutFlashes } from '../domain/checkout.js';
import { extraShipments, shipmentViews } from '../domain/shipments.js';
import { sameCode } from '../domain/promotions.js';
import { planAcrossStockLists, watchedHoldings, withTransferredHoldings, type PerList, type StockView } from '../domain/reservation.js';
import { STORE_PROPERTY, stockListOf, storeIdOf } from '../domain/pickup.js';
import type { Basket, Catalog } from '../domain/types.js';
import { storesNamed } from '../persistence/store.repository.js';
import type { Db } from '../persistence/database.js';
import type { Queryable } from '../persistence/statement.js';
import {
  ConcurrentModificationError,
  loadMutationState,
  writeCreatedWithChange,
  writeMutationOutcome,
  type MutationRecord,
  type MutationState,
} from '../persistence/basket.repository.js';
import { stateAfterWrite, type WarmStates } from './warm-states.js';
import { buildSnapshot, type BasketSnapshot } from '../contracts/basket-snapshot.js';
import { derivedMutationId, lineItemId } from './ids.js';
import { outcomeOfRecord, storedSnapshot } from './recorded-outcome.js';
import { writeMergeOutcome } from '../persistence/merge.repository.js';
import { recheckWatched } from '../persistence/stock-revisit.repository.js';
import type pg from 'pg';
import type { MutationJob, MutationOutcome } from '../contracts/mutation-job.js';

export interface ApplyDeps {
  readonly db: Db;
  /** How long held inventory lasts after the basket's last change. */
  readonly reservationTtlSeconds: number;
  /** The pool under `db`: the two hot statements run on it as prepared statements (a merge takes a client for its transaction). */
  readonly pool: Queryable & Pick<pg.Pool, 'connect'>;
  readonly limits: MutationContext['limits'];
  readonly now: () => Date;
  /** The states this worker last wrote, per basket (absent: every mutation reads its state). */
  readonly warm?: WarmStates;
}

export interface ApplyResult {
  readonly outcome: MutationOutcome;
  /** True when the mutation had already been recorded (a redelivered job): nothing was changed. */
  readonly duplicate: boolean;
  /** New versions of other baskets the mutation changed (a merge's guest basket), for the cache. */
  readonly alsoChanged?: readonly BasketSnapshot[];
  /** `JSON.stringify` of the applied outcome's snapshot, when this call rendered it (one rendering for the database, cache and reply). */
  readonly snapshotJson?: string;
}

export async function applyMutationJob(deps: ApplyDeps, job: MutationJob): Promise<ApplyResult> {
  // The state this worker last wrote for the basket, when it has it and the command can be applied from it
  // (warm-states.ts says why that is safe); a miss falls back to a fresh read at once, in the same attempt.
  const warm = deps.warm !== undefined ? warmStateFor(deps.warm, job) : null;
  if (warm !== null) {
    const applied = await applyToState(deps, job, warm, null, deps.now(), true);
    deps.warm!.used(applied !== MISS);
    if (applied !== MISS) return applied;
  }
  const { basketId, mutationId } = job;
  const command: MutationCommand = job.command;
  const now = deps.now();
  // A merge reads the guest basket too: its lines join this basket and its held units move here. A
  // transfer reads the caller's own basket the same way (merged in, or deleted with its units released).
  const absorbedId = absorbedBasketOf(command);
  const merge =
    absorbedId !== null
      ? await loadMutationState(deps.pool, { basketId: absorbedId, mutationId: sourceMutationId(mutationId), createSiteId: null, skus: [], now })
      : null;
  const named = pickupNamed(command);
  const state = await loadMutationState(deps.pool, {
    basketId,
    mutationId,
    createSiteId: command.kind === 'create_basket' ? command.siteId : null,
    skus: [...skusInvolved(null, command), ...(merge?.basket?.lines.map((l) => l.sku) ?? [])],
    // Stock lists the command's items name (a pickup store's), and those the merged basket's lines hold units in.
    lists: [...new Set([...named.lists, ...(merge?.basket?.lines.flatMap((l) => (l.inventoryId !== undefined ? [l.inventoryId] : [])) ?? [])])],
    // A merge carries the guest's coupon codes over: their promotions must be read too.
    codes: [...codesInvolved(command), ...(merge?.basket?.coupons.map((c) => c.code) ?? [])],
    now,
  });
  deps.warm?.learn(state);
  const applied = await applyToState(deps, job, state, merge, now, false);
  if (applied === MISS) throw new Error('a mutation applied from a fresh read cannot miss');
  return applied;
}

/** What `applyToState` answers when applying from a warm state did not work out (nothing was written). */
const MISS = Symbol('warm state miss');

/**
 * The basket's kept state, completed for the command's SKUs, when the command may be applied from it: not a
 * create, merge, transfer or expiry (they read other baskets or decide from expiry), no coupon codes (their
 * promotions are read by code), no pickup store or inventory named (stores are read apart). Null otherwise.
 */
function warmStateFor(warm: WarmStates, job: MutationJob): MutationState | null {
  const command = job.command;
  if (command.kind === 'create_basket' || command.kind === 'expire_reservations' || absorbedBasketOf(command) !== null) return null;
  if (codesInvolved(command).length > 0) return null;
  const named = pickupNamed(command);
  if (named.lists.length > 0 || named.stores.length > 0) return null;
  const kept = warm.take(job.basketId);
  return kept === undefined ? null : warm.withSkus(kept, skusInvolved(null, command));
}

/** The basket a merge or transfer absorbs, or null. */
function absorbedBasketOf(command: MutationCommand): string | null {
  return command.kind === 'merge_basket' ? command.sourceBasketId : command.kind === 'transfer_basket' ? command.absorbedBasketId : null;
}

/**
 * Applies the job to a state read (or kept: `warm`) and writes the outcome. `merge`: the absorbed basket's
 * state (a merge or transfer; never warm). Warm, it answers MISS instead of anything but a plain applied
 * change whose every SKU was available, and when the write is refused (the basket, its holdings, the stock
 * or the reference data moved since the state was kept, or the mutation is recorded already).
 */
async function applyToState(
  deps: ApplyDeps,
  job: MutationJob,
  state: MutationState,
  merge: MutationState | null,
  now: Date,
  warm: boolean,
): Promise<ApplyResult | typeof MISS> {
  const { mutationId, basketId } = job;
  const command: MutationCommand = job.command;
  const absorbedId = absorbedBasketOf(command);
  const named = pickupNamed(command);
  if (state.recorded) {
    const outcome = await outcomeOfRecord(state.recorded, { mutationId, basketId }, storedSnapshot(deps.db, basketId));
    if (!outcome) throw new Error(`mutation ${mutationId} is recorded applied, but basket ${basketId} has no snapshot to answer with`);
    if (outcome.status !== 'applied') return { duplicate: true, outcome };
    // A merge's guest basket (a transfer's absorbed one) changed too; a crash may have kept its new version out of the cache.
    const guest = absorbedId !== null ? await storedSnapshot(deps.db, absorbedId)() : null;
    return { duplicate: true, outcome, alsoChanged: guest ? [guest] : [] };
  }

  // Another customer's basket is treated exactly like a missing one (no existence leak).
  // A transfer's basket belongs to the previous shopper, whom the API has authenticated (command.fromOwnerId).
  const owner = command.kind === 'transfer_basket' ? command.fromOwnerId : job.ownerId;
  const visible = state.basket !== null && (state.basket.ownerId === owner || job.role === 'agent');
  const before = visible ? state.basket : null;
  const record: MutationRecord = {
    id: mutationId,
    basketId,
    ownerId: job.ownerId,
    idempotencyKey: job.idempotencyKey,
    requestHash: job.requestHash,
    kind: command.kind,
    payload: command,
    enqueuedAt: new Date(job.enqueuedAt),
    finishedAt: now,
  };
  // A refusal is never written from a warm state (the rejection record is not guarded by the version).
  const reject = async (code: string, message: string): Promise<ApplyResult | typeof MISS> => {
    if (warm) return MISS;
    const version = before?.version ?? null;
    await writeMutationOutcome(deps.pool, record, { status: 'rejected', rejection: { code: code as never, message }, version });
    return { duplicate: false, outcome: { status: 'rejected', mutationId, basketId, version, error: { code, message } } };
  };

  if (state.basket !== null && !visible) return reject('basket_not_found', `No basket with id '${basketId}'.`);
  // A basket created with its first change: that change says who may make it and how units are held.
  const change = firstChangeOf(command);
  if ((isAgentOnly(command.kind) || isAgentOnly(change.kind)) && job.role !== 'agent') return reject('forbidden', 'Only agents may adjust prices.');
  const site = state.site;
  if (site === null) {
    return command.kind === 'create_basket'
      ? reject('site_not_found', `No site '${command.siteId}'.`)
      : reject('basket_not_found', `No basket with id '${basketId}'.`);
  }

  // Stores only for a mutation that names a store or inventory, or a basket with a pickup shipment: a
  // basket that never picks up reads nothing more.
  const storeIds = [...named.stores, ...(before ? shipmentViews(before).flatMap((x) => storeIdOf(x) ?? []) : [])];
  if (warm && storeIds.length > 0) return MISS;
  const stores = storeIds.length > 0 || named.lists.length > 0 ? await storesNamed(deps.db, site.siteId, storeIds, named.lists) : new Map();
  const ctx = {
    basketId,
    homeStockList: site.stockList,
    stores,
    ownerId: job.ownerId,
    now,
    catalog: state.catalog,
    limits: deps.limits,
    siteCurrency: site.currency,
    shippingMethods: state.shippingMethods,
    paymentMethods: state.paymentMethods,
    mergeSource: merge?.basket ?? null,
    newItemId: (n: number) => lineItemId(mutationId, n),
  };
  const result = applyMutation(before, command, ctx);
  if (result.outcome === 'rejected') return reject(result.rejection.code, result.rejection.message);

  const after = result.basket;
  const desired = wantedUnits(after, state.catalog, site.stockList);
  const stock = merge ? transferred(state.stock, merge.stock, now) : state.stock;
  const plan = planAcrossStockLists({
    mode: COMMANDS[change.kind].reservation,
    desired,
    // A sign-in merge is never refused for stock: a guest line whose units are gone is flashed instead.
    increased: merge ? new Map() : increasedSkus(before, after, site.stockList),
    stock,
    now,
    ttlSeconds: deps.reservationTtlSeconds,
  });
  if (!plan.ok) {
    const where = plan.stockList === site.stockList ? '' : ` in inventory '${plan.stockList}'`;
    return reject(
      'product_item_not_available',
      `Only ${plan.available} of product '${plan.sku}' can be reserved for this basket${where}; ${plan.requested} requested.`,
    );
  }
  if (command.kind === 'expire_reservations' && plan.expired === 0) return reject('nothing_to_expire', 'No held inventory has expired.');
  const watch = watchedHoldings(desired, plan);
  // Warm, only an outcome every SKU was available for: a flash or a watch is decided from fresh stock.
  if (warm && (plan.short.size > 0 || watch.length > 0 || holdsExpired(stock, now))) return MISS;

  const policy = { ...site, currency: after.currency };
  const choice = (methodId: string | null) => ({ selectedId: methodId, method: methodId === null ? null : (state.shippingMethods.get(methodId) ?? null) });
  const shipping = choice(after.shippingMethodId);
  const shipments = extraShipments(after.checkout).map((s) => ({ id: s.id, itemIds: s.itemIds, shipping: choice(s.shippingMethodId ?? null) }));
  const offers = { promotions: state.promotions, coupons: after.coupons, externalOfferCode: after.externalOfferCode, now };
  const priced = priceBasket({
    lines: after.lines,
    catalog: state.catalog,
    policy,
    short: (line) => plan.short.get(stockListOf(line, site.stockList))?.has(line.sku) ?? false,
    shipping,
    shipments,
    adjustments: after.adjustments,
    offers,
  });
  const refused = unverifiedCoupon(command, priced);
  if (refused) return reject('coupon_not_applicable', refused);
  const flashes = after.status === 'active' ? checkoutFlashes(after, priced, state.paymentMethods) : [];
  const draft = buildSnapshot(after, state.pk ?? 0, policy, priced, plan.earliestExpiry, flashes);
  // Rendered once: the database keeps this text, the cache and the reply reuse it (unless the pk changes below).
  const draftJson = JSON.stringify(draft);
  const outcome = {
    status: 'applied' as const,
    before,
    after,
    totals: priced.totals,
    reservations: {
      stockList: site.stockList,
      plan: plan.items,
      expiresAt: plan.expiresAt,
      watch,
    },
    snapshot: draft,
    snapshotJson: draftJson,
    referenceVersion: state.referenceVersion,
  };
  let alsoChanged: BasketSnapshot[] = [];
  let pk: number | null;
  if (merge?.basket) {
    const guest = merge.basket;
    const emptied: Basket = { ...guest, lines: [], status: 'deleted', version: guest.version + 1, updatedAt: now };
    const guestPriced = priceBasket({ lines: [], catalog: state.catalog, policy: { ...site, currency: guest.currency } });
    const guestSnapshot = buildSnapshot(emptied, merge.pk ?? 0, { ...site, currency: guest.currency }, guestPriced);
    const guestRecord: MutationRecord = {
      ...record,
      id: sourceMutationId(mutationId),
      basketId: guest.id,
      ownerId: guest.ownerId,
      idempotencyKey: null,
      requestHash: null,
      kind: command.kind === 'transfer_basket' ? 'replaced_by_transfer' : 'merged_into',
      payload: { destination: basketId },
    };
    pk = await writeMergeOutcome(deps.pool, {
      source: {
        record: guestRecord,
        outcome: {
          status: 'applied',
          before: guest,
          after: emptied,
          totals: guestPriced.totals,
          reservations: { stockList: site.stockList, plan: [], expiresAt: null, watch: [] },
          snapshot: guestSnapshot,
          referenceVersion: state.referenceVersion,
        },
      },
      destination: { record, outcome },
      stockList: site.stockList,
    });
    alsoChanged = [guestSnapshot];
  } else if (command.kind === 'create_basket' && command.then && before === null) {
    // Created with its first change: the empty basket (version 1), then the change over it, in one transaction.
    const created = applyMutation(null, { ...command, then: undefined }, ctx);
    if (created.outcome !== 'applied') throw new Error('creating an absent basket cannot be refused');
    pk = await writeCreatedWithChange(deps.pool, record, created.basket, outcome);
  } else {
    try {
      pk = (await writeMutationOutcome(deps.pool, record, outcome))!;
    } catch (err) {
      // Warm: the basket, its holdings, the stock or the reference data moved since the state was kept, or
      // the mutation is recorded already (the record's primary key): nothing was written; read afresh.
      if (warm && (err instanceof ConcurrentModificationError || isRecordedAlready(err))) return MISS;
      throw err;
    }
    // The next mutation of this basket may start from what was just written.
    const kept = deps.warm !== undefined ? stateAfterWrite(state, after, pk, plan, now) : null;
    if (kept !== null) deps.warm!.keep(basketId, kept);
  }
  // Units of a watched SKU may have moved between the read and the write; such a move could not see this
  // basket's new watch rows. Flag those SKUs so the sweep judges the basket again (recheck-watched-stock).
  for (const list of new Set(outcome.reservations.watch.map((w) => w.stockList))) {
    const views = stock.get(list);
    const watched = outcome.reservations.watch
      .filter((w) => w.stockList === list)
      .map((w) => ({ sku: w.sku, onHand: views?.get(w.sku)?.onHand ?? 0, reserved: views?.get(w.sku)?.reserved ?? 0 }));
    await recheckWatched(deps.pool, list, watched);
  }
  const snapshot = pk === draft.pk ? draft : { ...draft, pk: pk! };
  return {
    duplicate: false,
    outcome: { status: 'applied', mutationId, basketId, version: after.version, snapshot },
    alsoChanged,
    ...(snapshot === draft ? { snapshotJson: draftJson } : {}),
  };
}

/** Whether the basket holds units whose hold has expired (a reclaimer may be taking them: decided from a fresh read). */
function holdsExpired(stock: PerList<StockView>, now: Date): boolean {
  for (const views of stock.values()) for (const v of views.values()) if (v.ours > 0 && v.oursExpiresAt !== null && v.oursExpiresAt <= now) return true;
  return false;
}

/** The mutation's record exists already: a redelivered job's second write trips the record's primary key. */
function isRecordedAlready(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'mutations_pkey';
}

/** The id under which a merge records what it did to the guest basket. */
function sourceMutationId(mutationId: string): string {
  return derivedMutationId(mutationId, 'merge-source');
}

/** The command itself, or, for `create_basket` with a first change, that change. */
function firstChangeOf(command: MutationCommand): MutationCommand {
  return command.kind === 'create_basket' && command.then ? command.then : command;
}

/**
 * For an Akinon voucher or a SCAPI coupon (`add_coupon.verify`; both verified at once): why it is refused, or null
 * when it is accepted (or when the command names none).
 * - SCAPI: a valid code that takes nothing off yet (below its minimum, free shipping before a method is chosen) is
 *   accepted: it applies as soon as it can.
 * - Akinon: a code is accepted when it is valid and its promotion's conditions hold now (its minimum is reached, a
 *   product it names is in the basket), even if it takes nothing off yet (free shipping before a method is chosen).
 *   A valid code whose conditions do not hold yet is refused, as Akinon's "instant verification" and the
 *   django-oscar voucher view it descends from do ("Your basket does not qualify for a voucher discount");
 *   `external_offer_code` is the unverified way.
 */
function unverifiedCoupon(given: MutationCommand, priced: PricedBasket): string | null {
  const command = firstChangeOf(given);
  const voucher = command.kind === 'set_offer_codes' && typeof command.voucherCode === 'string';
  const code =
    command.kind === 'set_offer_codes' && typeof command.voucherCode === 'string'
      ? command.voucherCode
      : command.kind === 'add_coupon' && command.verify
        ? command.code
        : null;
  if (code === null) return null;
  const coupon = priced.coupons.find((c) => sameCode(c.item.code, code));
  if (!coupon?.valid) return `The code '${code}' cannot be used: ${(coupon?.status ?? 'coupon_code_unknown').replaceAll('_', ' ')}.`;
  if (voucher && !coupon.conditionMet)
    return `Your basket does not qualify for the code '${code}' yet (its conditions, such as a minimum amount, are not met).`;
  return null;
}

/** Units per stock list and SKU the basket's lines want held: only lines whose product is online and priced. */
function wantedUnits(basket: Basket, catalog: Catalog, homeStockList: string): Map<string, Map<string, number>> {
  const units = new Map<string, Map<string, number>>();
  if (basket.status !== 'active') return units;
  for (const l of basket.lines) {
    const entry = catalog.get(l.sku);
    if (!entry || !entry.online || entry.price === null) continue;
    const list = stockListOf(l, homeStockList);
    const perSku = units.get(list) ?? units.set(list, new Map()).get(list)!;
    perSku.set(l.sku, (perSku.get(l.sku) ?? 0) + l.quantity);
  }
  return units;
}

/** Per stock list, the SKUs whose total quantity held there grew with this mutation (a line moved to a store's list grows that list's). */
function increasedSkus(before: Basket | null, after: Basket, homeStockList: string): Map<string, Set<string>> {
  const total = (b: Basket | null) => {
    const m = new Map<string, number>();
    for (const l of b?.lines ?? []) {
      const key = `${stockListOf(l, homeStockList)}\u0000${l.sku}`;
      m.set(key, (m.get(key) ?? 0) + l.quantity);
    }
    return m;
  };
  const was = total(before);
  const out = new Map<string, Set<string>>();
  for (const [key, q] of total(after)) {
    if (q <= (was.get(key) ?? 0)) continue;
    const [list, sku] = key.split('\u0000') as [string, string];
    (out.get(list) ?? out.set(list, new Set()).get(list)!).add(sku);
  }
  return out;
}

/** The basket's stock views once the merged basket's holdings (in every stock list) move to it. */
function transferred(stock: PerList<StockView>, from: PerList<StockView>, now: Date): Map<string, ReadonlyMap<string, StockView>> {
  const out = new Map(stock);
  for (const [list, views] of from) out.set(list, withTransferredHoldings(stock.get(list) ?? new Map(), views, now));
  return out;
}

/** The stock lists (items' `inventoryId`) and stores (shipments' `c_fromStoreId`) a command names. */
function pickupNamed(command: MutationCommand): { lists: string[]; stores: string[] } {
  const lists = new Set<string>();
  const stores = new Set<string>();
  const visit = (c: MutationCommand): void => {
    if (c.kind === 'add_items' || c.kind === 'update_items') for (const i of c.items) if (i.inventoryId !== undefined) lists.add(i.inventoryId);
    if (c.kind === 'update_item' && c.inventoryId !== undefined) lists.add(c.inventoryId);
    if ((c.kind === 'create_shipment' || c.kind === 'update_shipment') && typeof c.custom?.[STORE_PROPERTY] === 'string') {
      stores.add(c.custom[STORE_PROPERTY] as string);
    }
    if (c.kind === 'create_basket' && c.then) visit(c.then);
  };
  visit(command);
  return { lists: [...lists].sort(), stores: [...stores].sort() };
}
