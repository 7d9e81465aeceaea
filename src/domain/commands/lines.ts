/** Commands that change the basket's product lines (OCAPI/SCAPI items, Akinon basket items). */
import type { Money } from '../money.js';
import { DEFAULT_SHIPMENT_ID, hasShipment, moveItems, shipmentIdOf } from '../shipments.js';
import type { Basket, BasketLine, Checkout } from '../types.js';
import type { MutationContext, Rejection } from './context.js';
import { change, reject, type CommandSpecs, type HandlerResult } from './handler.js';

export interface AddItem {
  readonly sku: string;
  readonly quantity: number;
  readonly custom?: Readonly<Record<string, unknown>>;
  /** Product options (Akinon `attributes`); replace the line's when given. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** SCAPI `gift` / `giftMessage`; replace the line's when given. */
  readonly gift?: boolean;
  readonly giftMessage?: string | null;
  /** The shipment it goes into (absent: the default one, `me`); the same product in another shipment is another line. */
  readonly shipmentId?: string;
  /**
   * SCAPI `inventoryId`: the stock list its units are held in (a store's, for pickup); absent: the site's.
   * The same product held in another list is another line.
   */
  readonly inventoryId?: string;
}

/** One product item's changes (absent fields stay as they are). */
export interface ItemUpdate {
  readonly itemId: string;
  readonly quantity?: number;
  /** Another SKU for the line (a variant swap); the same SKU changes nothing. */
  readonly sku?: string;
  readonly gift?: boolean;
  /** Null clears the message. */
  readonly giftMessage?: string | null;
  /** The shipment the item moves into (SCAPI `shipmentId`; `me` takes it back to the default one). */
  readonly shipmentId?: string;
  /** SCAPI `inventoryId`: the stock list its units are held in from now on (its holding moves there in the same write). */
  readonly inventoryId?: string;
}

/** The commands of this family. */
export type LineCommand =
  | { readonly kind: 'add_items'; readonly items: readonly AddItem[] }
  | { readonly kind: 'set_item_quantity'; readonly itemId: string; readonly quantity: number }
  | { readonly kind: 'remove_item'; readonly itemId: string }
  /**
   * SCAPI updateItemInBasket: any of quantity (0 removes the line), product (a variant swap: the line
   * takes the new SKU at its price and the old SKU's held units are released), gift flag and message.
   */
  | ({ readonly kind: 'update_item' } & ItemUpdate)
  /** SCAPI updateItemsInBasket: several item updates as one change, all or none. */
  | { readonly kind: 'update_items'; readonly items: readonly ItemUpdate[] }
  /** Akinon PUT/PATCH: the line of that SKU gets this quantity (0 removes it; absent: added). */
  | { readonly kind: 'set_product_quantity'; readonly sku: string; readonly quantity: number; readonly attributes?: Readonly<Record<string, unknown>> }
  /** Akinon DELETE: every line goes (and its held units); codes and checkout information stay. */
  | { readonly kind: 'empty_basket' }
  /**
   * Akinon basket_items PATCH: new attributes for a line, or (`splitOne`, quantity > 1) for one unit of
   * it, which becomes a line of its own.
   */
  | { readonly kind: 'set_item_attributes'; readonly itemId: string; readonly attributes: Readonly<Record<string, unknown>>; readonly splitOne: boolean };

const itemNotFound = (itemId: string) => reject('item_not_found', `No product item with id '${itemId}' in this basket.`);
const noShipment = (shipmentId: string) => reject('shipment_not_found', `No shipment '${shipmentId}' in this basket.`);
const withLines = (added: { lines: BasketLine[] } | Rejection): HandlerResult => ('code' in added ? { rejection: added } : change({ lines: added.lines }));

export const lineCommands: CommandSpecs<LineCommand> = {
  /** Adds products; a product already in the basket (with the same options, when options are named) adds up on its line. */
  add_items: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    skus: (c) => c.items.map((i) => i.sku),
    apply: (basket, c, ctx) => {
      const unknown = c.items.find((i) => i.shipmentId !== undefined && !hasShipment(basket.checkout, i.shipmentId));
      if (unknown) return noShipment(unknown.shipmentId!);
      const added = addItems(basket.lines, c.items, ctx, basket.checkout);
      if ('code' in added) return { rejection: added };
      return change({ lines: added.lines, checkout: added.checkout });
    },
  },
  /** A line's quantity; 0 removes it. The line's remembered unit price becomes today's. */
  set_item_quantity: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const line = basket.lines.find((l) => l.itemId === c.itemId);
      if (!line) return itemNotFound(c.itemId);
      if (c.quantity === 0) return change({ lines: basket.lines.filter((l) => l !== line) });
      if (c.quantity > ctx.limits.maxLineQuantity) return quantityLimit(line.sku, ctx);
      const price = ctx.catalog.get(line.sku)?.price ?? line.addedUnitPrice;
      return change({ lines: basket.lines.map((l) => (l === line ? { ...l, quantity: c.quantity, addedUnitPrice: price } : l)) });
    },
  },
  remove_item: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) =>
      basket.lines.some((l) => l.itemId === c.itemId) ? change({ lines: basket.lines.filter((l) => l.itemId !== c.itemId) }) : itemNotFound(c.itemId),
  },
  /** SCAPI updateItemInBasket: quantity (0 removes), a variant swap (the new SKU, at its price), gift flag and message. */
  update_item: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    // The swap target's catalogue entry and stock are read with the state.
    skus: (c) => (c.sku !== undefined ? [c.sku] : []),
    apply: (basket, c, ctx) => updateItemsIn(basket, [c], ctx),
  },
  /** SCAPI updateItemsInBasket: the updates in order, as one change; any refusal refuses them all. */
  update_items: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    skus: (c) => c.items.flatMap((u) => (u.sku !== undefined ? [u.sku] : [])),
    apply: (basket, c, ctx) => updateItemsIn(basket, c.items, ctx),
  },
  /** Akinon PUT/PATCH: the product's lines together get this quantity (0 removes them; absent: added). */
  set_product_quantity: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    skus: (c) => [c.sku],
    apply: (basket, c, ctx) => {
      const mine = basket.lines.filter((l) => l.sku === c.sku);
      if (mine.length === 0) {
        if (c.quantity === 0) return reject('item_not_found', `Product '${c.sku}' is not in this basket.`);
        return withLines(
          addItems(basket.lines, [{ sku: c.sku, quantity: c.quantity, ...(c.attributes ? { attributes: c.attributes } : {}) }], ctx, basket.checkout),
        );
      }
      if (c.quantity === 0) return change({ lines: basket.lines.filter((l) => l.sku !== c.sku) });
      if (c.quantity > ctx.limits.maxLineQuantity) return quantityLimit(c.sku, ctx);
      return change({ lines: setProductQuantity(basket.lines, mine, c.quantity, c.attributes, ctx.catalog.get(c.sku)?.price ?? null) });
    },
  },
  /** Akinon DELETE: every line goes (and its held units); codes and checkout information stay. */
  empty_basket: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: () => change({ lines: [] }),
  },
  /** Akinon basket_items PATCH: new options for a line, or (`splitOne`, quantity > 1) for one unit of it, which becomes a line of its own. */
  set_item_attributes: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const line = basket.lines.find((l) => l.itemId === c.itemId);
      if (!line) return reject('item_not_found', `No basket item with id '${c.itemId}' in this basket.`);
      if (!c.splitOne || line.quantity === 1) return change({ lines: basket.lines.map((l) => (l === line ? { ...l, attributes: c.attributes } : l)) });
      if (basket.lines.length >= ctx.limits.maxLines) return reject('line_limit_exceeded', `A basket holds at most ${ctx.limits.maxLines} product items.`);
      const position = basket.lines.reduce((max, l) => Math.max(max, l.position), -1) + 1;
      const split: BasketLine = { ...line, itemId: ctx.newItemId(0), quantity: 1, position, attributes: c.attributes };
      return change({ lines: [...basket.lines.map((l) => (l === line ? { ...l, quantity: l.quantity - 1 } : l)), split] });
    },
  },
};

function quantityLimit(sku: string, ctx: MutationContext): HandlerResult {
  return reject('quantity_limit_exceeded', `Quantity of product '${sku}' would exceed the limit of ${ctx.limits.maxLineQuantity} per line.`);
}

function sameAttributes(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const canonical = (o: Readonly<Record<string, unknown>>) =>
    JSON.stringify(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  return canonical(a) === canonical(b);
}

/**
 * Adds items; an SKU already in the basket (or repeated in the request) adds up on one line of the same
 * shipment — the line with the same options when the item names options. A new line in a shipment other
 * than `me` is placed there (`checkout`, returned with the lines).
 */
function addItems(
  current: readonly BasketLine[],
  items: readonly AddItem[],
  ctx: MutationContext,
  checkout: Checkout,
): { lines: BasketLine[]; checkout: Checkout } | Rejection {
  const lines = [...current];
  let placed = checkout;
  let created = 0;
  let position = current.reduce((max, l) => Math.max(max, l.position), -1);
  for (const item of items) {
    const entry = ctx.catalog.get(item.sku);
    if (!entry || !entry.online) return { code: 'product_not_found', message: `Product '${item.sku}' does not exist or is offline.` };
    if (entry.price === null) return { code: 'product_without_price', message: `Product '${item.sku}' has no price on this site.` };
    // With options (Akinon `attributes`), the same product with other options is another line.
    const shipmentId = item.shipmentId ?? DEFAULT_SHIPMENT_ID;
    const index = lines.findIndex(
      (l) =>
        l.sku === item.sku &&
        shipmentIdOf(placed, l.itemId) === shipmentId &&
        l.inventoryId === item.inventoryId &&
        (item.attributes === undefined || sameAttributes(l.attributes, item.attributes)),
    );
    const existing = index >= 0 ? lines[index] : undefined;
    const quantity = (existing?.quantity ?? 0) + item.quantity;
    if (quantity > ctx.limits.maxLineQuantity) {
      return {
        code: 'quantity_limit_exceeded',
        message: `Quantity of product '${item.sku}' would exceed the limit of ${ctx.limits.maxLineQuantity} per line.`,
      };
    }
    if (existing) {
      const merged: BasketLine = {
        ...existing,
        quantity,
        addedUnitPrice: entry.price,
        custom: { ...existing.custom, ...item.custom },
        attributes: item.attributes ?? existing.attributes,
      };
      const giftGiven = item.gift !== undefined || item.giftMessage !== undefined;
      lines[index] = giftGiven
        ? withGift(merged, item.gift ?? existing.gift ?? false, item.giftMessage === undefined ? existing.giftMessage : item.giftMessage)
        : merged;
      continue;
    }
    if (lines.length >= ctx.limits.maxLines) {
      return { code: 'line_limit_exceeded', message: `A basket holds at most ${ctx.limits.maxLines} product items.` };
    }
    position += 1;
    const itemId = ctx.newItemId(created++);
    if (shipmentId !== DEFAULT_SHIPMENT_ID) placed = moveItems(placed, [itemId], shipmentId);
    lines.push({
      itemId,
      sku: item.sku,
      quantity,
      addedUnitPrice: entry.price,
      position,
      attributes: item.attributes ?? {},
      custom: item.custom ?? {},
      ...(item.gift ? { gift: true } : {}),
      ...(typeof item.giftMessage === 'string' ? { giftMessage: item.giftMessage } : {}),
      ...(item.inventoryId !== undefined ? { inventoryId: item.inventoryId } : {}),
    });
  }
  return { lines, checkout: placed };
}

/**
 * Item updates on a basket, in order, as one change: the lines' (`updateItems`), then each surviving
 * item moved into the shipment its update names. An unknown shipment refuses them all.
 */
function updateItemsIn(basket: Basket, updates: readonly ItemUpdate[], ctx: MutationContext): HandlerResult {
  const unknown = updates.find((u) => u.shipmentId !== undefined && !hasShipment(basket.checkout, u.shipmentId));
  if (unknown) return noShipment(unknown.shipmentId!);
  const lines = updateItems(basket.lines, updates, ctx, (a, b) => shipmentIdOf(basket.checkout, a) === shipmentIdOf(basket.checkout, b));
  if ('code' in lines) return { rejection: lines };
  let checkout = basket.checkout;
  for (const u of updates) {
    if (u.shipmentId !== undefined && lines.some((l) => l.itemId === u.itemId)) checkout = moveItems(checkout, [u.itemId], u.shipmentId);
  }
  return change(checkout === basket.checkout ? { lines } : { lines, checkout });
}

/** Item updates applied in order to the lines; the first refusal refuses them all. */
function updateItems(
  current: readonly BasketLine[],
  updates: readonly ItemUpdate[],
  ctx: MutationContext,
  sameShipment: (itemA: string, itemB: string) => boolean,
): BasketLine[] | Rejection {
  let lines: readonly BasketLine[] = current;
  for (const u of updates) {
    const result = updateItem(lines, u, ctx, sameShipment);
    if ('code' in result) return result;
    lines = result;
  }
  return [...lines];
}

/**
 * One item update on the lines. A swap to a SKU another line of the same shipment holds combines them on
 * that line (this one goes); a changed SKU or quantity takes today's price as the line's remembered one.
 */
function updateItem(
  lines: readonly BasketLine[],
  u: ItemUpdate,
  ctx: MutationContext,
  sameShipment: (itemA: string, itemB: string) => boolean,
): readonly BasketLine[] | Rejection {
  const line = lines.find((l) => l.itemId === u.itemId);
  if (!line) return { code: 'item_not_found', message: `No product item with id '${u.itemId}' in this basket.` };
  const quantity = u.quantity ?? line.quantity;
  if (quantity === 0) return lines.filter((l) => l !== line);
  const sku = u.sku ?? line.sku;
  const entry = ctx.catalog.get(sku);
  if (sku !== line.sku) {
    if (!entry || !entry.online) return { code: 'product_not_found', message: `Product '${sku}' does not exist or is offline.` };
    if (entry.price === null) return { code: 'product_without_price', message: `Product '${sku}' has no price on this site.` };
  }
  const gift = u.gift ?? line.gift ?? false;
  const giftMessage = u.giftMessage === undefined ? line.giftMessage : u.giftMessage;
  const inventoryId = u.inventoryId ?? line.inventoryId;
  const other =
    sku !== line.sku ? lines.find((l) => l !== line && l.sku === sku && l.inventoryId === inventoryId && sameShipment(l.itemId, line.itemId)) : undefined;
  const total = quantity + (other?.quantity ?? 0);
  if (total > ctx.limits.maxLineQuantity) {
    return { code: 'quantity_limit_exceeded', message: `Quantity of product '${sku}' would exceed the limit of ${ctx.limits.maxLineQuantity} per line.` };
  }
  const price = entry?.price ?? line.addedUnitPrice;
  const touched = u.quantity !== undefined || sku !== line.sku;
  const swapped = sku !== line.sku ? { attributes: {} } : {};
  const held = inventoryId !== undefined ? { inventoryId } : {};
  const { inventoryId: _held, ...rest } = line;
  const updated: BasketLine = withGift(
    { ...rest, sku, quantity, addedUnitPrice: touched ? price : line.addedUnitPrice, ...swapped, ...held },
    gift,
    giftMessage,
  );
  if (other) return lines.filter((l) => l !== line).map((l) => (l === other ? { ...other, quantity: total, addedUnitPrice: price } : l));
  return lines.map((l) => (l === line ? updated : l));
}

/** The line with its gift fields as given (a false flag and no message are left out, as stored). */
function withGift(line: BasketLine, gift: boolean, giftMessage: string | null | undefined): BasketLine {
  const { gift: _g, giftMessage: _m, ...rest } = line;
  return { ...rest, ...(gift ? { gift: true } : {}), ...(giftMessage !== null && giftMessage !== undefined ? { giftMessage } : {}) };
}

/**
 * The product's lines (`mine`, in basket order; several after a split) together get `quantity`: a rise
 * goes to the first line; a fall comes off the newest lines first, removing those it empties. The
 * shopper touched the product, so its lines' remembered unit price becomes today's.
 */
function setProductQuantity(
  lines: readonly BasketLine[],
  mine: readonly BasketLine[],
  quantity: number,
  attributes: Readonly<Record<string, unknown>> | undefined,
  price: Money | null,
): BasketLine[] {
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
    .map((l) =>
      wanted.has(l)
        ? { ...l, quantity: wanted.get(l)!, addedUnitPrice: price ?? l.addedUnitPrice, attributes: l === mine[0] && attributes ? attributes : l.attributes }
        : l,
    );
}
