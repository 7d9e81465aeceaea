/**
 * The basket aggregate in PostgreSQL: basket row, its lines, and the mutation record written with them.
 *
 * A mutation costs two named prepared statements (planned once per connection) and no explicit transaction (database round trips set the ceiling,
 * see README "How it works"): `loadMutationState` reads everything the pure core needs in one statement, and
 * `writeMutationOutcome` writes basket, lines and mutation record in one statement, guarded by the
 * version it read (optimistic concurrency). The lane already runs one job per basket at a time, so the
 * guard only trips when BullMQ redelivers a stalled job while the first run is still going; the loser
 * retries, sees the mutation record, and answers as a duplicate.
 */
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { inTransaction, runStatement, type Queryable } from './statement.js';
import { insertNewBasket } from './statements/insert-new-basket.js';
import { readMutationState } from './statements/read-mutation-state.js';
import { recordRejection } from './statements/record-rejection.js';
import { writeBasketInsert } from './statements/write-basket-insert.js';
import { writeBasketUpdate } from './statements/write-basket-update.js';
import type { LinesAndRecordInput } from './statements/lines-and-record.js';
import { Money, formatMoney } from '../domain/money.js';
import type {
  Basket,
  BasketLine,
  Catalog,
  CatalogEntry,
  Checkout,
  CouponItem,
  PaymentMethod,
  PriceAdjustment,
  Promotion,
  ShippingMethod,
  SitePolicy,
} from '../domain/types.js';
import type { PerList, PlanItem, StockView } from '../domain/reservation.js';
import type { BasketTotals } from '../domain/totals.js';
import type { Rejection } from '../domain/mutations.js';
import type { Database, MutationStatus } from './database.js';
import { toShippingMethod, toSitePolicy, type ShippingMethodRow } from './site.repository.js';

export interface RecordedMutation {
  readonly status: MutationStatus;
  readonly error: { code: string; message: string } | null;
  readonly version: number | null;
  readonly result: unknown;
}

export interface MutationState {
  /** The stored basket, whoever owns it; null when there is none. */
  readonly basket: Basket | null;
  readonly pk: number | null;
  /** The basket's site (or, for a basket about to be created, the named site); null if unknown. */
  readonly site: SitePolicy | null;
  /** Catalogue entries for the basket's SKUs and the requested ones, priced by the site's price list. */
  readonly catalog: Catalog;
  /** The outcome already recorded for this mutation id (a redelivered job), or null. */
  readonly recorded: RecordedMutation | null;
  /**
   * Inventory by stock list and SKU: every SKU the basket's lines want (in each line's list), it holds (in
   * any list), or the mutation names (in the site's list and the lists it names).
   */
  readonly stock: PerList<StockView>;
  /** The site's shipping methods by id. */
  readonly shippingMethods: ReadonlyMap<string, ShippingMethod>;
  /** The site's enabled payment methods by id. */
  readonly paymentMethods: ReadonlyMap<string, PaymentMethod>;
  /** The site's campaigns and the promotions the basket's (and the command's) codes name. */
  readonly promotions: readonly Promotion[];
  /**
   * The reference data's version (`reference_version`) when this was read: an applied outcome priced from
   * this state is written only while it still holds (see the reference-version migration).
   */
  readonly referenceVersion: number;
}

interface StateRow {
  id: string | null;
  reference_version: number;
  pk: number | null;
  owner_id: string;
  site_id: string;
  currency: string;
  status: Basket['status'];
  version: number;
  agent_basket: boolean;
  custom: Record<string, unknown>;
  source_code: string | null;
  checkout: Checkout;
  shipping_method_id: string | null;
  adjustments: StoredAdjustment[];
  /** ISO text (the statement's one json column). */
  created_at: string;
  updated_at: string;
  s_id: string | null;
  s_currency: string;
  s_price_list: string;
  s_stock_list: string;
  s_taxation: SitePolicy['taxation'];
  s_tax_rounded_at_group: boolean;
  s_rounding_mode: SitePolicy['roundingMode'];
  recorded: RecordedMutation | null;
  lines: {
    item_id: string;
    sku: string;
    quantity: number;
    added_unit_price: string | null;
    position: number;
    attributes: Record<string, unknown>;
    custom: Record<string, unknown>;
    gift: boolean;
    gift_message: string | null;
    inventory_id: string | null;
  }[];
  catalog: {
    sku: string;
    pk: number;
    name: string;
    tax_rate: string;
    online: boolean;
    image: string | null;
    price: string | null;
    retail_price: string | null;
  }[];
  stock: {
    stock_list: string;
    sku: string;
    tracked: boolean;
    on_hand: number;
    reserved: number;
    reclaimable: number;
    ours: number;
    ours_expires_at: string | null;
  }[];
  shipping_methods: ShippingMethodRow[];
  payment_methods: { id: string; name: string; card_types: string[] }[];
  promotions: PromotionRow[];
  coupons: CouponItem[];
  external_offer_code: string | null;
}

/** A promotion as the state statement returns it (decimals as text, times as ISO text). */
export interface PromotionRow {
  code: string;
  kind: Promotion['kind'];
  name: string;
  enabled: boolean;
  starts_at: string | Date | null;
  ends_at: string | Date | null;
  discount_type: Promotion['discountType'];
  discount_value: string;
  skus: string[] | null;
  min_amount: string | null;
  priority: number;
  exclusive: boolean;
  redemption_limit: number | null;
  redeemed: number;
}

export function toPromotion(p: PromotionRow): Promotion {
  return {
    code: p.code,
    kind: p.kind,
    name: p.name,
    enabled: p.enabled,
    startsAt: p.starts_at === null ? null : new Date(p.starts_at),
    endsAt: p.ends_at === null ? null : new Date(p.ends_at),
    discountType: p.discount_type,
    discountValue: new Money(p.discount_value),
    skus: p.skus,
    minAmount: p.min_amount === null ? null : new Money(p.min_amount),
    priority: p.priority,
    exclusive: p.exclusive,
    redemptionLimit: p.redemption_limit,
    redeemed: p.redeemed,
  };
}

/** A price adjustment as stored: the value as decimal text. */
type StoredAdjustment = Omit<PriceAdjustment, 'value'> & { value: string };

/** A basket's row and its lines' as the state statement returns them (jsonb as parsed, times as ISO text). */
type BasketRow = Pick<
  StateRow,
  | 'owner_id'
  | 'site_id'
  | 'currency'
  | 'status'
  | 'version'
  | 'agent_basket'
  | 'custom'
  | 'source_code'
  | 'checkout'
  | 'shipping_method_id'
  | 'adjustments'
  | 'coupons'
  | 'external_offer_code'
  | 'created_at'
  | 'updated_at'
  | 'lines'
> & { id: string };
type LineRow = StateRow['lines'][number];

function toLine(l: LineRow): BasketLine {
  return {
    itemId: l.item_id,
    sku: l.sku,
    quantity: l.quantity,
    addedUnitPrice: l.added_unit_price === null ? null : new Money(l.added_unit_price),
    position: l.position,
    attributes: l.attributes,
    custom: l.custom,
    ...(l.gift ? { gift: true } : {}),
    ...(l.gift_message !== null ? { giftMessage: l.gift_message } : {}),
    ...(l.inventory_id !== null ? { inventoryId: l.inventory_id } : {}),
  };
}

function toBasket(r: BasketRow): Basket {
  return {
    id: r.id,
    ownerId: r.owner_id,
    siteId: r.site_id,
    currency: r.currency,
    status: r.status,
    version: r.version,
    lines: r.lines.map(toLine),
    custom: r.custom,
    sourceCode: r.source_code,
    checkout: r.checkout ?? {},
    shippingMethodId: r.shipping_method_id,
    adjustments: (r.adjustments ?? []).map((a) => ({ ...a, value: new Money(a.value) })),
    coupons: r.coupons ?? [],
    externalOfferCode: r.external_offer_code,
    agentBasket: r.agent_basket,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * The basket `loadMutationState` returns once `after` is written (`writeMutationOutcome`): what is written,
 * read back the way the state statement reads it. Not `after` itself: a jsonb column gives an object's keys
 * back in its own order (shorter keys first, then by their bytes; nested objects too), drops keys whose value
 * is undefined, and the lines come back in position order; the domain compares some of these documents as
 * text (a line's options), so a state that kept `after`'s own order would decide other than a fresh read.
 */
export function basketAsRead(after: Basket): Basket {
  const row = {
    id: after.id,
    owner_id: after.ownerId,
    site_id: after.siteId,
    currency: after.currency,
    status: after.status,
    version: after.version,
    agent_basket: after.agentBasket,
    custom: asJsonb(after.custom),
    source_code: after.sourceCode,
    checkout: asJsonb(after.checkout),
    shipping_method_id: after.shippingMethodId,
    adjustments: asJsonb(after.adjustments.map((a) => ({ ...a, value: a.value.toString() }))),
    coupons: asJsonb(after.coupons),
    external_offer_code: after.externalOfferCode,
    created_at: after.createdAt.toISOString(),
    updated_at: after.updatedAt.toISOString(),
    lines: [...after.lines]
      .sort((a, b) => a.position - b.position)
      .map((l) => ({
        item_id: l.itemId,
        sku: l.sku,
        quantity: l.quantity,
        added_unit_price: l.addedUnitPrice?.toString() ?? null,
        position: l.position,
        attributes: asJsonb(l.attributes),
        custom: asJsonb(l.custom),
        gift: l.gift ?? false,
        gift_message: l.giftMessage ?? null,
        inventory_id: l.inventoryId ?? null,
      })),
  } as BasketRow;
  return toBasket(row);
}

/** `value` as a jsonb column gives it back: its JSON, parsed, with every object's keys in jsonb's order. */
function asJsonb<T>(value: T): T {
  return jsonbOrder(JSON.parse(JSON.stringify(value)) as unknown) as T;
}

function jsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonbOrder);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort(jsonbKeyOrder)) {
    // A "__proto__" key is an own property, as JSON.parse makes it (an assignment would set the prototype).
    if (k === '__proto__') Object.defineProperty(out, k, { value: jsonbOrder(o[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = jsonbOrder(o[k]);
  }
  return out;
}

/** jsonb's order of an object's keys: the shorter UTF-8 first, then byte by byte (for ASCII keys, as strings compare). */
function jsonbKeyOrder(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Reads, in one statement, what applying a mutation needs: the basket and its lines, its site, the
 * catalogue entries of its SKUs plus `skus`, and any record of `mutationId`. `createSiteId` names the
 * site when the basket does not exist yet. Never locks.
 */
export async function loadMutationState(
  db: Queryable,
  q: {
    basketId: string;
    mutationId: string;
    createSiteId: string | null;
    skus: readonly string[];
    now: Date;
    codes?: readonly string[];
    /** Stock lists the command's items name (`inventoryId`): its SKUs are read there too. */
    lists?: readonly string[];
  },
): Promise<MutationState> {
  const rows = await runStatement(db, readMutationState, {
    basketId: q.basketId,
    mutationId: q.mutationId,
    createSiteId: q.createSiteId,
    skus: q.skus,
    now: q.now,
    codes: q.codes ?? [],
    lists: q.lists ?? [],
  });
  const r = (rows[0] as unknown as { state: StateRow }).state;
  const catalog = new Map(
    r.catalog.map((c): [string, CatalogEntry] => [
      c.sku,
      {
        sku: c.sku,
        pk: Number(c.pk),
        name: c.name,
        taxRate: new Money(c.tax_rate),
        online: c.online,
        image: c.image,
        price: c.price === null ? null : new Money(c.price),
        retailPrice: c.retail_price === null ? null : new Money(c.retail_price),
      },
    ]),
  );
  const basket: Basket | null = r.id === null ? null : toBasket({ ...r, id: r.id });
  const site =
    r.s_id === null
      ? null
      : toSitePolicy({
          id: r.s_id,
          // A basket keeps the currency it was created with; the site's other rules apply as they are now.
          currency: basket?.currency ?? r.s_currency,
          price_list: r.s_price_list,
          stock_list: r.s_stock_list,
          taxation: r.s_taxation,
          tax_rounded_at_group: r.s_tax_rounded_at_group,
          rounding_mode: r.s_rounding_mode,
        });
  const stock = new Map<string, Map<string, StockView>>();
  for (const x of r.stock ?? []) {
    const list = stock.get(x.stock_list) ?? stock.set(x.stock_list, new Map()).get(x.stock_list)!;
    list.set(x.sku, {
      sku: x.sku,
      tracked: x.tracked,
      onHand: x.on_hand,
      reserved: x.reserved,
      reclaimable: Number(x.reclaimable),
      ours: x.ours,
      oursExpiresAt: x.ours_expires_at === null ? null : new Date(x.ours_expires_at),
    });
  }
  const shippingMethods = new Map((r.shipping_methods ?? []).map((m) => [m.id, toShippingMethod(m)] as const));
  const paymentMethods = new Map((r.payment_methods ?? []).map((m) => [m.id, { id: m.id, name: m.name, cardTypes: m.card_types }] as const));
  const promotions = (r.promotions ?? []).map(toPromotion);
  return {
    basket,
    pk: r.pk,
    site,
    catalog,
    recorded: r.recorded,
    stock,
    shippingMethods,
    paymentMethods,
    promotions,
    referenceVersion: Number(r.reference_version),
  };
}

/**
 * The stored snapshot of the basket's current version (read path fallback), or null when absent. The
 * document is stored once: it is the `result` of the basket's applied record at its version (a basket not
 * written since the perf-write-snapshot-once migration still has it in `baskets.snapshot`). The record is
 * looked for newest first along `mutations_basket`, so a long history costs nothing; the version decides.
 */
export async function loadSnapshot(db: Kysely<Database>, basketId: string): Promise<unknown | null> {
  const { rows } = await sql<{ snapshot: string | null }>`
    select coalesce(b.snapshot,
             (select m.result::text from mutations m
              where m.basket_id = b.id and m.version = b.version and m.status = 'applied'
              order by m.finished_at desc limit 1)) as snapshot
    from baskets b where b.id = ${basketId}`.execute(db);
  const text = rows[0]?.snapshot ?? null;
  return text === null ? null : (JSON.parse(text) as unknown);
}

export interface MutationRecord {
  readonly id: string;
  readonly basketId: string;
  readonly ownerId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly kind: string;
  readonly payload: unknown;
  readonly enqueuedAt: Date;
  readonly finishedAt: Date;
}

export type MutationOutcomeWrite =
  | {
      readonly status: 'applied';
      readonly before: Basket | null;
      readonly after: Basket;
      readonly totals: BasketTotals;
      /**
       * What the basket should hold afterwards (empty: no change), each entry in its `stockList` (absent:
       * `stockList`, the site's), and `watch`: the SKUs its lines want more of than it holds, or flashed as
       * not available (stock_watch rows), each in its stock list.
       */
      readonly reservations: {
        readonly stockList: string;
        readonly plan: readonly (PlanItem & { readonly stockList?: string })[];
        readonly expiresAt: Date | null;
        readonly watch: readonly StockWatch[];
      };
      /**
       * The versioned document (`pk` is filled in here for a new basket); also kept with every applied
       * mutation's record (idempotent replies and a stream's replay of missed versions read it).
       */
      readonly snapshot: { readonly pk: number };
      /** `JSON.stringify(snapshot)` when the caller has it already (exactly that text: it is stored as given). */
      readonly snapshotJson?: string;
      /**
       * `MutationState.referenceVersion` of the state the outcome was made from: an update of an existing
       * basket is written only while the reference data is still at that version (else ConcurrentModificationError).
       */
      readonly referenceVersion: number;
    }
  | { readonly status: 'rejected'; readonly rejection: Rejection; readonly version: number | null };

/** A SKU the basket wants units of that it does not hold, or whose line is flashed not available. */
export interface StockWatch {
  /** Absent: the site's stock list. */
  readonly stockList?: string;
  readonly sku: string;
  readonly wanted: number;
  readonly flashed: boolean;
}

/** The write found the basket changed since it was read (or created meanwhile): re-read and retry. */
export class ConcurrentModificationError extends Error {
  override readonly name = 'ConcurrentModificationError';
  readonly code = 'concurrent_modification';
}

/**
 * Writes a mutation's whole outcome in one statement: basket insert (or update guarded by the version
 * it had when read), line deletes and upserts, and the mutation record — all or nothing. Returns the
 * basket's pk for an applied outcome. Throws ConcurrentModificationError when the guard fails; a second
 * record for the same mutation id fails on the primary key, the last guard of exactly-once.
 */
export async function writeMutationOutcome(db: Queryable, record: MutationRecord, outcome: MutationOutcomeWrite): Promise<number | null> {
  const recorded = {
    mutationId: record.id,
    idempotencyKey: record.idempotencyKey,
    requestHash: record.requestHash,
    kind: record.kind,
    payload: JSON.stringify(record.payload),
    enqueuedAt: record.enqueuedAt,
    finishedAt: record.finishedAt,
  };
  if (outcome.status === 'rejected') {
    const error = JSON.stringify(outcome.rejection);
    await runStatement(db, recordRejection, { ...recorded, basketId: record.basketId, ownerId: record.ownerId, error, version: outcome.version });
    return null;
  }
  const { before, after, totals } = outcome;
  const keep = new Set(after.lines.map((l) => l.itemId));
  const unchanged = new Set(before?.lines ?? []);
  const upserts = after.lines
    .filter((l) => !unchanged.has(l))
    .map((l) => ({
      item_id: l.itemId,
      sku: l.sku,
      quantity: l.quantity,
      added_unit_price: l.addedUnitPrice?.toString() ?? null,
      position: l.position,
      attributes: l.attributes,
      custom: l.custom,
      gift: l.gift ?? false,
      gift_message: l.giftMessage ?? null,
      inventory_id: l.inventoryId ?? null,
    }));
  const shared: LinesAndRecordInput = {
    ...recorded,
    basketId: after.id,
    version: after.version,
    snapshot: outcome.snapshotJson ?? JSON.stringify(outcome.snapshot),
    deletedItemIds: (before?.lines ?? []).filter((l) => !keep.has(l.itemId)).map((l) => l.itemId),
    upsertedLines: JSON.stringify(upserts),
    actorId: record.ownerId,
  };
  const state = { ...shared, status: after.status, custom: JSON.stringify(after.custom), ...totalsColumns(totals, after.currency), updatedAt: after.updatedAt };
  const { reservations } = outcome;
  const rows =
    before === null
      ? await runStatement(db, writeBasketInsert, {
          ...state,
          basketOwnerId: after.ownerId,
          siteId: after.siteId,
          currency: after.currency,
          agentBasket: after.agentBasket,
          createdAt: after.createdAt,
        })
      : await runStatement(db, writeBasketUpdate, {
          ...state,
          readVersion: before.version,
          stockList: reservations.stockList,
          reservationPlan: JSON.stringify(reservations.plan.map(({ stockList, ...i }) => (stockList !== undefined ? { stock_list: stockList, ...i } : i))),
          reservationExpiresAt: reservations.expiresAt,
          sourceCode: after.sourceCode,
          checkout: JSON.stringify(after.checkout),
          shippingMethodId: after.shippingMethodId,
          adjustments: JSON.stringify(after.adjustments.map((a) => ({ ...a, value: a.value.toString() }))),
          coupons: JSON.stringify(after.coupons),
          externalOfferCode: after.externalOfferCode,
          stockWatch: JSON.stringify(reservations.watch.map(({ stockList, ...w }) => (stockList !== undefined ? { stock_list: stockList, ...w } : w))),
          basketOwnerId: after.ownerId,
          referenceVersion: outcome.referenceVersion,
        }).catch(stockConflict);
  const pk = rows[0]?.pk ?? null;
  if (pk === null) {
    const what = (rows[0] as { reservation?: string } | undefined)?.reservation === 'stale' ? 'the reference data (prices, products, methods, promotions, tracked stock)' : `basket ${after.id} or its inventory`;
    throw new ConcurrentModificationError(`${what} changed since it was read`);
  }
  return Number(pk);
}

/**
 * `basket_apply_reservations` raises SQLSTATE BR001 when the stock it read is gone (the statement, or the
 * transaction it runs in, then did nothing): a concurrent modification, re-read and re-planned like any other.
 */
function stockConflict(err: unknown): never {
  if ((err as { code?: unknown } | null)?.code === 'BR001') throw new ConcurrentModificationError('the stock the plan was made from changed since it was read');
  throw err;
}

/** Totals as stored: exact text with the currency's minor digits ("22.00"). */
function totalsColumns(t: BasketTotals, currency: string) {
  return {
    productSubTotal: formatMoney(t.productSubTotal, currency),
    productTotal: formatMoney(t.productTotal, currency),
    taxTotal: formatMoney(t.taxTotal, currency),
    orderTotal: formatMoney(t.orderTotal, currency),
  };
}

/**
 * A basket created together with its first change (Akinon: a caller's first write): in one transaction,
 * the new basket's row as `created` (no lines, nothing held), then the change's outcome written over it
 * exactly as any change (reservations, lines, codes, the mutation record), with the new pk in its
 * snapshot. All or nothing: a conflict (the id taken meanwhile, stock gone) rolls both back.
 */
export async function writeCreatedWithChange(
  pool: Pick<pg.Pool, 'connect'>,
  record: MutationRecord,
  created: Basket,
  outcome: Extract<MutationOutcomeWrite, { status: 'applied' }> & { readonly snapshot: { readonly pk: number } },
): Promise<number> {
  return inTransaction(pool, async (client) => {
    const [row] = await runStatement(client, insertNewBasket, {
      basketId: created.id,
      ownerId: created.ownerId,
      siteId: created.siteId,
      currency: created.currency,
      version: created.version,
      agentBasket: created.agentBasket,
      custom: JSON.stringify(created.custom),
      createdAt: created.createdAt,
    });
    if (!row) throw new ConcurrentModificationError(`basket ${created.id} was created meanwhile`);
    const pk = Number(row.pk);
    await writeMutationOutcome(client, record, { ...outcome, before: created, snapshot: { ...outcome.snapshot, pk }, snapshotJson: undefined });
    return pk;
  });
}
