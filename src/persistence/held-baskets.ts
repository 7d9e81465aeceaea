/**
 * The baskets a worker process last read or wrote, by id, with the pk and version they have in PostgreSQL:
 * the read statement is told the pk and version held and returns the basket's columns and lines only when
 * the stored ones differ (another writer — the expiry sweep, retention, a merge, another worker process —
 * changes the version; a basket deleted and created again under the same id has a new pk). Bounded: least
 * recently used first out past `capacity`.
 *
 * Contract for callers: `remember` only a basket exactly as stored — one read in the same statement as its
 * version, or one whose write has committed (`rememberWritten`, which gives it the form reading it back would
 * have). Never after a write that failed or whose outcome is unknown: `forget` then.
 */
import type { Basket } from '../domain/types.js';
import { toBasket, toBasketLine } from './basket-rows.js';

export interface HeldBasket {
  readonly pk: number;
  readonly version: number;
  readonly basket: Basket;
}

export class HeldBaskets {
  private readonly entries = new Map<string, HeldBasket>();

  constructor(readonly capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`held baskets: capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The basket held for `id` (now the most recently used), or null. */
  hold(id: string): HeldBasket | null {
    const entry = this.entries.get(id);
    if (entry === undefined) return null;
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry;
  }

  remember(pk: number, basket: Basket): void {
    this.entries.delete(basket.id);
    this.entries.set(basket.id, { pk, version: basket.version, basket });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * A basket whose write (of `basket.version`) has committed, in the form reading it back gives (see `asStored`);
   * `from`: the stored-form basket it was derived from (its unchanged line objects are kept as they are).
   */
  rememberWritten(pk: number, basket: Basket, from: Basket | null = null): void {
    this.remember(pk, asStored(basket, from));
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}

/**
 * The basket as reading it back from PostgreSQL gives it: built from the row the write stores, its JSON-valued
 * fields as a `jsonb` column returns them (JSON round trip, object keys in jsonb's order: shorter first,
 * then bytewise), decimals as text, lines in position order, through the read's own mapping. So a held
 * basket renders exactly as a re-read one would. `from`: a basket in stored form whose line objects `basket`
 * may share (the `before` of a mutation): those are kept as they are.
 */
export function asStored(basket: Basket, from: Basket | null = null): Basket {
  // A line object `from` has (read, or held in stored form) is unchanged and already in stored form.
  const stored = new Set(from?.lines ?? []);
  const lines = [...basket.lines]
    .sort((a, b) => a.position - b.position)
    .map((l) =>
      stored.has(l)
        ? l
        : toBasketLine({
            item_id: l.itemId,
            sku: l.sku,
            quantity: l.quantity,
            added_unit_price: l.addedUnitPrice?.toString() ?? null,
            position: l.position,
            attributes: viaJsonb(l.attributes),
            custom: viaJsonb(l.custom),
            gift: l.gift ?? false,
            gift_message: l.giftMessage ?? null,
            inventory_id: l.inventoryId ?? null,
          }),
    );
  return toBasket(
    {
      id: basket.id,
      owner_id: basket.ownerId,
      site_id: basket.siteId,
      currency: basket.currency,
      status: basket.status,
      version: basket.version,
      agent_basket: basket.agentBasket,
      custom: viaJsonb(basket.custom),
      source_code: basket.sourceCode,
      checkout: viaJsonb(basket.checkout),
      shipping_method_id: basket.shippingMethodId,
      adjustments: viaJsonb(basket.adjustments.map((a) => ({ ...a, value: a.value.toString() }))),
      coupons: viaJsonb([...basket.coupons]),
      external_offer_code: basket.externalOfferCode,
      created_at: basket.createdAt,
      updated_at: basket.updatedAt,
    },
    lines,
  );
}

/** `value` written to a jsonb column and read back: JSON round trip, object keys in jsonb order. */
export function viaJsonb<T>(value: T): T {
  return orderKeys(JSON.parse(JSON.stringify(value)) as unknown) as T;
}

function orderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeys);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).map((k) => [k, Buffer.from(k, 'utf8')] as const);
  keys.sort(([, a], [, b]) => a.length - b.length || Buffer.compare(a, b));
  const out: Record<string, unknown> = {};
  for (const [k] of keys) out[k] = orderKeys((value as Record<string, unknown>)[k]);
  return out;
}
