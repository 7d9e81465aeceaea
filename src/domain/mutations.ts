/**
 * Basket mutations as pure state transitions: `applyMutation(basket, command, context)` returns the
 * next basket or a rejection with a reason. Expected business outcomes (unknown product, limits) are
 * results, never exceptions. No IO, no clock: `now` and item ids come in through the context.
 */
import { customLimitBreach, customSize, type CustomPropertyLimits } from './custom-properties.js';
import { Money, minorUnits } from './money.js';
import { sameCode } from './promotions.js';
import type { Address, Basket, BasketLine, Catalog, Checkout, DiscountType, PaymentInstrument, PaymentMethod, PriceAdjustment, ShippingMethod } from './types.js';

/** Coupon codes a basket may carry at once, and payment instruments. */
export const MAX_COUPONS = 10;
export const MAX_PAYMENT_INSTRUMENTS = 5;

export type MutationCommand =
  | {
      readonly kind: 'create_basket';
      readonly siteId: string;
      /** Null: the site's currency, filled in by the application before `applyMutation` runs. */
      readonly currency: string | null;
      readonly agentBasket: boolean;
      readonly custom: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'add_items'; readonly items: readonly AddItem[] }
  | { readonly kind: 'set_item_quantity'; readonly itemId: string; readonly quantity: number }
  | { readonly kind: 'remove_item'; readonly itemId: string }
  /** Akinon PUT/PATCH: the line of that SKU gets this quantity (0 removes it; absent: added). */
  | { readonly kind: 'set_product_quantity'; readonly sku: string; readonly quantity: number; readonly attributes?: Readonly<Record<string, unknown>> }
  /** Akinon DELETE: every line goes (and its held units); codes and checkout information stay. */
  | { readonly kind: 'empty_basket' }
  /**
   * Akinon basket_items PATCH: new attributes for a line, or (`splitOne`, quantity > 1) for one unit of
   * it, which becomes a line of its own.
   */
  | { readonly kind: 'set_item_attributes'; readonly itemId: string; readonly attributes: Readonly<Record<string, unknown>>; readonly splitOne: boolean }
  | { readonly kind: 'delete_basket' }
  | { readonly kind: 'set_customer'; readonly email: string; readonly customerNo?: string }
  /** `alsoShipping` / `alsoBilling`: the same address for the other role too (OCAPI `use_as_shipping` / `use_as_billing`). */
  | { readonly kind: 'set_billing_address'; readonly address: Address; readonly alsoShipping?: boolean }
  | { readonly kind: 'set_shipping_address'; readonly shipmentId: string; readonly address: Address; readonly alsoBilling?: boolean }
  | { readonly kind: 'set_shipping_method'; readonly shipmentId: string; readonly methodId: string }
  | {
      readonly kind: 'add_price_adjustment';
      readonly level: 'product' | 'order';
      readonly itemId: string | null;
      readonly type: DiscountType;
      /** Decimal text. */
      readonly value: string;
      readonly reasonCode: string | null;
      readonly itemText: string | null;
      /** Custom properties (`c_*`); on update, a null value removes one. */
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'update_price_adjustment';
      readonly adjustmentId: string;
      readonly type?: DiscountType;
      readonly value?: string;
      readonly reasonCode?: string | null;
      readonly itemText?: string | null;
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'remove_price_adjustment'; readonly adjustmentId: string }
  /** OCAPI/SCAPI: the code joins the basket whatever its status (the coupon item shows it). */
  | { readonly kind: 'add_coupon'; readonly code: string }
  | { readonly kind: 'remove_coupon'; readonly couponItemId: string }
  /**
   * Akinon's codes: `voucherCode` replaces the basket's coupon codes (null removes them; verified like
   * `add_coupon`); `externalOfferCode` is kept unverified (null clears it). Undefined leaves either as is.
   */
  | { readonly kind: 'set_offer_codes'; readonly voucherCode?: string | null; readonly externalOfferCode?: string | null }
  | { readonly kind: 'add_payment_instrument'; readonly instrument: Omit<PaymentInstrument, 'id'> }
  /**
   * SCAPI merge: a guest's basket (`ctx.mergeSource`, owned by `sourceOwnerId`) goes into this one as
   * one serial change: its lines (quantities of a product in both combined by `mode`, capped at the
   * line limit) and its coupon codes; the guest basket is deleted and its held units move here.
   */
  | { readonly kind: 'merge_basket'; readonly sourceBasketId: string; readonly sourceOwnerId: string; readonly mode: MergeMode }
  | { readonly kind: 'remove_payment_instrument'; readonly paymentInstrumentId: string }
  | {
      readonly kind: 'update_basket';
      /** Must be the basket's currency (a site prices in one currency). */
      readonly currency?: string;
      /** A string sets, null clears. */
      readonly sourceCode?: string | null;
      /** Custom properties to set; a null value removes the property. */
      readonly custom: Readonly<Record<string, unknown>>;
      /** Optimistic concurrency (OCAPI `_resource_state`): reject if the basket moved past this version. */
      readonly expectedVersion: number | null;
    }
  /** The expiry sweep's mutation: lines stay; held units whose expiry passed are released. */
  | { readonly kind: 'expire_reservations' }
  /** Re-price and re-check the basket against the catalogue as it is now (after a catalogue change). */
  | { readonly kind: 'recalculate' };

export type MergeMode = 'sum_quantities' | 'highest_quantity' | 'lowest_quantity';

export interface AddItem {
  readonly sku: string;
  readonly quantity: number;
  readonly custom?: Readonly<Record<string, unknown>>;
  /** Product options (Akinon `attributes`); replace the line's when given. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export type RejectionCode =
  | 'basket_not_found'
  | 'site_not_found'
  | 'basket_exists'
  | 'product_not_found'
  | 'product_without_price'
  | 'item_not_found'
  | 'quantity_limit_exceeded'
  | 'line_limit_exceeded'
  | 'product_item_not_available'
  | 'nothing_to_expire'
  | 'resource_state_conflict'
  | 'currency_not_supported'
  | 'shipment_not_found'
  | 'shipping_method_not_found'
  | 'price_adjustment_not_found'
  | 'coupon_already_in_basket'
  | 'coupon_limit_exceeded'
  | 'coupon_item_not_found'
  | 'coupon_not_applicable'
  | 'payment_method_not_found'
  | 'payment_instrument_limit_exceeded'
  | 'payment_instrument_not_found'
  | 'payment_amount_invalid'
  | 'forbidden'
  | 'custom_properties_limit_exceeded';

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}

export interface MutationContext {
  readonly basketId: string;
  readonly ownerId: string;
  readonly now: Date;
  /** Catalogue entries for every SKU in the basket and in the command. */
  readonly catalog: Catalog;
  readonly limits: { readonly maxLineQuantity: number; readonly maxLines: number; readonly custom?: CustomPropertyLimits };
  /** The site's payment methods by id. */
  readonly paymentMethods?: ReadonlyMap<string, PaymentMethod>;
  /** For `merge_basket`: the guest basket as read (null when there is none to merge). */
  readonly mergeSource?: Basket | null;
  /** The site's currency, for a basket created without one. */
  readonly siteCurrency?: string;
  /** The site's shipping methods by id. */
  readonly shippingMethods?: ReadonlyMap<string, ShippingMethod>;
  /** Deterministic id for the n-th line this mutation creates (so a replay creates the same ids). */
  readonly newItemId: (n: number) => string;
}

export type MutationResult =
  | { readonly outcome: 'applied'; readonly basket: Basket }
  | { readonly outcome: 'rejected'; readonly rejection: Rejection };

const reject = (code: RejectionCode, message: string): MutationResult => ({ outcome: 'rejected', rejection: { code, message } });

/**
 * Applies one command. `basket` is null when no basket with the context's id exists yet. A result whose
 * custom properties outgrow the limits (the basket's own, or any line's) is refused whole.
 */
export function applyMutation(basket: Basket | null, command: MutationCommand, ctx: MutationContext): MutationResult {
  const result = applyCommand(basket, command, ctx);
  const limits = ctx.limits.custom;
  if (result.outcome !== 'applied' || !limits) return result;
  const breach =
    customLimitBreach(customSize(basket?.custom), customSize(result.basket.custom), limits, 'The basket') ??
    result.basket.lines.reduce<string | null>((found, line) => {
      if (found) return found;
      const earlier = basket?.lines.find((l) => l.itemId === line.itemId);
      return customLimitBreach(customSize(earlier?.custom), customSize(line.custom), limits, `Product item '${line.itemId}'`);
    }, null);
  return breach ? reject('custom_properties_limit_exceeded', breach) : result;
}

function applyCommand(basket: Basket | null, command: MutationCommand, ctx: MutationContext): MutationResult {
  if (command.kind === 'create_basket') {
    if (basket !== null) return reject('basket_exists', `Basket '${ctx.basketId}' already exists.`);
    return {
      outcome: 'applied',
      basket: {
        id: ctx.basketId,
        ownerId: ctx.ownerId,
        siteId: command.siteId,
        currency: command.currency ?? ctx.siteCurrency ?? 'USD',
        status: 'active',
        version: 1,
        lines: [],
        custom: command.custom,
        sourceCode: null,
        checkout: {},
        shippingMethodId: null,
        adjustments: [],
        coupons: [],
        externalOfferCode: null,
        agentBasket: command.agentBasket,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      },
    };
  }
  if (basket === null || basket.status !== 'active') {
    return reject('basket_not_found', `No basket with id '${ctx.basketId}'.`);
  }
  // Adjustments of a line go with it.
  const next = (lines: readonly BasketLine[], status = basket.status): MutationResult => ({
    outcome: 'applied',
    basket: {
      ...basket,
      lines,
      status,
      adjustments: basket.adjustments.filter((a) => a.level === 'order' || lines.some((l) => l.itemId === a.itemId)),
      version: basket.version + 1,
      updatedAt: ctx.now,
    },
  });
  const withAdjustments = (adjustments: readonly PriceAdjustment[]): MutationResult => changed({ adjustments });
  function changed(fields: Partial<Basket>): MutationResult {
    return { outcome: 'applied', basket: { ...basket!, ...fields, version: basket!.version + 1, updatedAt: ctx.now } };
  }
  const withCheckout = (fields: Partial<Checkout>): MutationResult => changed({ checkout: { ...basket.checkout, ...fields } });

  switch (command.kind) {
    case 'add_items': {
      const lines = addItems(basket.lines, command.items, ctx);
      return 'code' in lines ? { outcome: 'rejected', rejection: lines } : next(lines);
    }
    case 'set_item_quantity': {
      const line = basket.lines.find((l) => l.itemId === command.itemId);
      if (!line) return reject('item_not_found', `No product item with id '${command.itemId}' in this basket.`);
      if (command.quantity === 0) return next(basket.lines.filter((l) => l !== line));
      if (command.quantity > ctx.limits.maxLineQuantity) return quantityLimit(line.sku, ctx);
      const price = ctx.catalog.get(line.sku)?.price ?? line.addedUnitPrice;
      return next(basket.lines.map((l) => (l === line ? { ...l, quantity: command.quantity, addedUnitPrice: price } : l)));
    }
    case 'remove_item': {
      if (!basket.lines.some((l) => l.itemId === command.itemId)) {
        return reject('item_not_found', `No product item with id '${command.itemId}' in this basket.`);
      }
      return next(basket.lines.filter((l) => l.itemId !== command.itemId));
    }
    case 'delete_basket':
      return next([], 'deleted');
    case 'empty_basket':
      return next([]);
    case 'set_product_quantity': {
      const mine = basket.lines.filter((l) => l.sku === command.sku);
      if (mine.length === 0) {
        if (command.quantity === 0) return reject('item_not_found', `Product '${command.sku}' is not in this basket.`);
        const lines = addItems(basket.lines, [{ sku: command.sku, quantity: command.quantity, ...(command.attributes ? { attributes: command.attributes } : {}) }], ctx);
        return 'code' in lines ? { outcome: 'rejected', rejection: lines } : next(lines);
      }
      if (command.quantity === 0) return next(basket.lines.filter((l) => l.sku !== command.sku));
      if (command.quantity > ctx.limits.maxLineQuantity) return quantityLimit(command.sku, ctx);
      return next(setProductQuantity(basket.lines, mine, command.quantity, command.attributes, ctx.catalog.get(command.sku)?.price ?? null));
    }
    case 'set_item_attributes': {
      const line = basket.lines.find((l) => l.itemId === command.itemId);
      if (!line) return reject('item_not_found', `No basket item with id '${command.itemId}' in this basket.`);
      if (!command.splitOne || line.quantity === 1) return next(basket.lines.map((l) => (l === line ? { ...l, attributes: command.attributes } : l)));
      if (basket.lines.length >= ctx.limits.maxLines) return reject('line_limit_exceeded', `A basket holds at most ${ctx.limits.maxLines} product items.`);
      const position = basket.lines.reduce((max, l) => Math.max(max, l.position), -1) + 1;
      const split: BasketLine = { ...line, itemId: ctx.newItemId(0), quantity: 1, position, attributes: command.attributes };
      return next([...basket.lines.map((l) => (l === line ? { ...l, quantity: l.quantity - 1 } : l)), split]);
    }
    case 'expire_reservations':
    case 'recalculate':
      return next(basket.lines);
    case 'set_customer': {
      const { customerNo: _previous, ...rest } = basket.checkout;
      const checkout = { ...rest, customerEmail: command.email, ...(command.customerNo !== undefined ? { customerNo: command.customerNo } : {}) };
      return { outcome: 'applied', basket: { ...basket, checkout, version: basket.version + 1, updatedAt: ctx.now } };
    }
    case 'set_billing_address':
      return withCheckout({ billingAddress: command.address, ...(command.alsoShipping ? { shippingAddress: command.address } : {}) });
    case 'set_shipping_address':
      // One shipment per basket for now: the default one, `me`.
      if (command.shipmentId !== 'me') return reject('shipment_not_found', `No shipment '${command.shipmentId}' in this basket.`);
      return withCheckout({ shippingAddress: command.address, ...(command.alsoBilling ? { billingAddress: command.address } : {}) });
    case 'set_shipping_method':
      if (command.shipmentId !== 'me') return reject('shipment_not_found', `No shipment '${command.shipmentId}' in this basket.`);
      if (!ctx.shippingMethods?.has(command.methodId)) return reject('shipping_method_not_found', `No shipping method '${command.methodId}' on this site.`);
      return { outcome: 'applied', basket: { ...basket, shippingMethodId: command.methodId, version: basket.version + 1, updatedAt: ctx.now } };
    case 'add_price_adjustment': {
      if (command.level === 'product' && !basket.lines.some((l) => l.itemId === command.itemId)) {
        return reject('item_not_found', `No product item with id '${command.itemId}' in this basket.`);
      }
      const adjustment: PriceAdjustment = {
        id: ctx.newItemId(0),
        level: command.level,
        itemId: command.level === 'product' ? command.itemId : null,
        type: command.type,
        value: new Money(command.value),
        reasonCode: command.reasonCode,
        itemText: command.itemText,
        createdBy: ctx.ownerId,
        ...(command.custom && Object.keys(command.custom).length > 0 ? { custom: command.custom } : {}),
      };
      return withAdjustments([...basket.adjustments, adjustment]);
    }
    case 'update_price_adjustment':
    case 'remove_price_adjustment': {
      const found = basket.adjustments.find((a) => a.id === command.adjustmentId);
      if (!found) return reject('price_adjustment_not_found', `No price adjustment '${command.adjustmentId}' in this basket.`);
      if (command.kind === 'remove_price_adjustment') return withAdjustments(basket.adjustments.filter((a) => a !== found));
      const changed: PriceAdjustment = {
        ...found,
        ...(command.type !== undefined ? { type: command.type } : {}),
        ...(command.value !== undefined ? { value: new Money(command.value) } : {}),
        ...(command.reasonCode !== undefined ? { reasonCode: command.reasonCode } : {}),
        ...(command.itemText !== undefined ? { itemText: command.itemText } : {}),
        ...(command.custom && Object.keys(command.custom).length > 0 ? { custom: mergeCustom(found.custom ?? {}, command.custom) } : {}),
      };
      return withAdjustments(basket.adjustments.map((a) => (a === found ? changed : a)));
    }
    case 'add_coupon': {
      if (basket.coupons.some((c) => sameCode(c.code, command.code))) return reject('coupon_already_in_basket', `The coupon code '${command.code}' is already in this basket.`);
      if (basket.coupons.length >= MAX_COUPONS) return reject('coupon_limit_exceeded', `A basket holds at most ${MAX_COUPONS} coupon codes.`);
      return changed({ coupons: [...basket.coupons, { id: ctx.newItemId(0), code: command.code }] });
    }
    case 'remove_coupon': {
      if (!basket.coupons.some((c) => c.id === command.couponItemId)) return reject('coupon_item_not_found', `No coupon item '${command.couponItemId}' in this basket.`);
      return changed({ coupons: basket.coupons.filter((c) => c.id !== command.couponItemId) });
    }
    case 'set_offer_codes': {
      const v = command.voucherCode;
      const coupons = v === undefined ? basket.coupons : v === null ? [] : basket.coupons.length === 1 && sameCode(basket.coupons[0]!.code, v) ? basket.coupons : [{ id: ctx.newItemId(0), code: v }];
      const externalOfferCode = command.externalOfferCode === undefined ? basket.externalOfferCode : command.externalOfferCode;
      return changed({ coupons, externalOfferCode });
    }
    case 'merge_basket': {
      const source = ctx.mergeSource;
      if (!source || source.status !== 'active' || source.ownerId !== command.sourceOwnerId || source.siteId !== basket.siteId || source.id === basket.id) {
        return reject('basket_not_found', 'There is no guest basket on this site to merge.');
      }
      const lines = mergeLines(basket.lines, source.lines, command.mode, ctx);
      if ('code' in lines) return { outcome: 'rejected', rejection: lines };
      const coupons = [...basket.coupons, ...source.coupons.filter((c) => !basket.coupons.some((mine) => sameCode(mine.code, c.code)))].slice(0, MAX_COUPONS);
      return changed({ lines, coupons, adjustments: basket.adjustments.filter((a) => a.level === 'order' || lines.some((l) => l.itemId === a.itemId)) });
    }
    case 'add_payment_instrument': {
      const method = ctx.paymentMethods?.get(command.instrument.methodId);
      if (!method) return reject('payment_method_not_found', `No payment method '${command.instrument.methodId}' on this site.`);
      const card = command.instrument.card;
      if (card && method.cardTypes.length > 0 && !method.cardTypes.includes(card.cardType)) {
        return reject('payment_method_not_found', `Payment method '${method.id}' does not take '${card.cardType}' cards.`);
      }
      const amount = command.instrument.amount;
      if (amount !== null && new Money(amount).decimalPlaces() > minorUnits(basket.currency)) {
        return reject('payment_amount_invalid', `An amount in ${basket.currency} has at most ${minorUnits(basket.currency)} decimal places.`);
      }
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (instruments.length >= MAX_PAYMENT_INSTRUMENTS) return reject('payment_instrument_limit_exceeded', `A basket holds at most ${MAX_PAYMENT_INSTRUMENTS} payment instruments.`);
      return withCheckout({ paymentInstruments: [...instruments, { id: ctx.newItemId(0), ...command.instrument }] });
    }
    case 'remove_payment_instrument': {
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (!instruments.some((p) => p.id === command.paymentInstrumentId)) return reject('payment_instrument_not_found', `No payment instrument '${command.paymentInstrumentId}' in this basket.`);
      return withCheckout({ paymentInstruments: instruments.filter((p) => p.id !== command.paymentInstrumentId) });
    }
    case 'update_basket': {
      if (command.expectedVersion !== null && command.expectedVersion !== basket.version) {
        return reject('resource_state_conflict', 'The basket has changed since the _resource_state given; read it again.');
      }
      if (command.currency !== undefined && command.currency !== basket.currency) {
        return reject('currency_not_supported', `This basket's site sells in ${basket.currency} only.`);
      }
      const sourceCode = command.sourceCode === undefined ? basket.sourceCode : command.sourceCode;
      return changed({ custom: mergeCustom(basket.custom, command.custom), sourceCode });
    }
  }
}

function quantityLimit(sku: string, ctx: MutationContext): MutationResult {
  return reject(
    'quantity_limit_exceeded',
    `Quantity of product '${sku}' would exceed the limit of ${ctx.limits.maxLineQuantity} per line.`,
  );
}

/** Custom properties after an update: a null value removes the property. */
function mergeCustom(current: Readonly<Record<string, unknown>>, changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function sameAttributes(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const canonical = (o: Readonly<Record<string, unknown>>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
  return canonical(a) === canonical(b);
}

/** Adds items; an SKU already in the basket (or repeated in the request) adds up on one line — the line with the same options when the item names options. */
function addItems(current: readonly BasketLine[], items: readonly AddItem[], ctx: MutationContext): BasketLine[] | Rejection {
  const lines = [...current];
  let created = 0;
  let position = current.reduce((max, l) => Math.max(max, l.position), -1);
  for (const item of items) {
    const entry = ctx.catalog.get(item.sku);
    if (!entry || !entry.online) return { code: 'product_not_found', message: `Product '${item.sku}' does not exist or is offline.` };
    if (entry.price === null) return { code: 'product_without_price', message: `Product '${item.sku}' has no price on this site.` };
    // With options (Akinon `attributes`), the same product with other options is another line.
    const index = lines.findIndex((l) => l.sku === item.sku && (item.attributes === undefined || sameAttributes(l.attributes, item.attributes)));
    const existing = index >= 0 ? lines[index] : undefined;
    const quantity = (existing?.quantity ?? 0) + item.quantity;
    if (quantity > ctx.limits.maxLineQuantity) {
      return { code: 'quantity_limit_exceeded', message: `Quantity of product '${item.sku}' would exceed the limit of ${ctx.limits.maxLineQuantity} per line.` };
    }
    if (existing) {
      lines[index] = { ...existing, quantity, addedUnitPrice: entry.price, custom: { ...existing.custom, ...item.custom }, attributes: item.attributes ?? existing.attributes };
      continue;
    }
    if (lines.length >= ctx.limits.maxLines) {
      return { code: 'line_limit_exceeded', message: `A basket holds at most ${ctx.limits.maxLines} product items.` };
    }
    position += 1;
    lines.push({
      itemId: ctx.newItemId(created++),
      sku: item.sku,
      quantity,
      addedUnitPrice: entry.price,
      position,
      attributes: item.attributes ?? {},
      custom: item.custom ?? {},
    });
  }
  return lines;
}

/**
 * The product's lines (`mine`, in basket order; several after a split) together get `quantity`: a rise
 * goes to the first line; a fall comes off the newest lines first, removing those it empties. The
 * shopper touched the product, so its lines' remembered unit price becomes today's.
 */
function setProductQuantity(lines: readonly BasketLine[], mine: readonly BasketLine[], quantity: number, attributes: Readonly<Record<string, unknown>> | undefined, price: Money | null): BasketLine[] {
  const wanted = new Map(mine.map((l) => [l, l.quantity]));
  let excess = mine.reduce((n, l) => n + l.quantity, 0) - quantity;
  if (excess < 0) wanted.set(mine[0]!, mine[0]!.quantity - excess);
  for (const l of [...mine].sort((a, b) => b.position - a.position)) {
    if (excess <= 0) break;
    const take = Math.min(excess, wanted.get(l)!);
    wanted.set(l, wanted.get(l)! - take);
    excess -= take;
  }
  return lines
    .filter((l) => wanted.get(l) !== 0)
    .map((l) => (wanted.has(l) ? { ...l, quantity: wanted.get(l)!, addedUnitPrice: price ?? l.addedUnitPrice, attributes: l === mine[0] && attributes ? attributes : l.attributes } : l));
}

/**
 * A guest's lines merged into the basket's: a product in both gets the quantity `mode` says (capped at
 * the per-line limit rather than refusing the sign-in); the others are added after the basket's own,
 * keeping their options and custom properties, with new ids.
 */
function mergeLines(current: readonly BasketLine[], incoming: readonly BasketLine[], mode: MergeMode, ctx: MutationContext): BasketLine[] | Rejection {
  const lines = [...current];
  let created = 0;
  let position = current.reduce((max, l) => Math.max(max, l.position), -1);
  for (const g of [...incoming].sort((a, b) => a.position - b.position)) {
    const index = lines.findIndex((l) => l.sku === g.sku);
    if (index >= 0) {
      const mine = lines[index]!;
      const wanted = mode === 'sum_quantities' ? mine.quantity + g.quantity : mode === 'highest_quantity' ? Math.max(mine.quantity, g.quantity) : Math.min(mine.quantity, g.quantity);
      lines[index] = { ...mine, quantity: Math.min(wanted, ctx.limits.maxLineQuantity) };
      continue;
    }
    if (lines.length >= ctx.limits.maxLines) return { code: 'line_limit_exceeded', message: `A basket holds at most ${ctx.limits.maxLines} product items; the guest basket does not fit.` };
    position += 1;
    lines.push({ ...g, itemId: ctx.newItemId(created++), position, quantity: Math.min(g.quantity, ctx.limits.maxLineQuantity) });
  }
  return lines;
}

/** SKUs whose catalogue entries the mutation needs (basket lines plus the command's). */
export function skusInvolved(basket: Basket | null, command: MutationCommand): string[] {
  const skus = new Set(basket?.lines.map((l) => l.sku) ?? []);
  if (command.kind === 'add_items') for (const i of command.items) skus.add(i.sku);
  if (command.kind === 'set_product_quantity') skus.add(command.sku);
  return [...skus].sort();
}
