/**
 * A basket's shipments as one list. The default shipment `me` always exists and keeps its address and
 * method where single-shipment baskets always had them (`checkout.shippingAddress`,
 * `basket.shippingMethodId`); further shipments live in `checkout.shipments`, each naming the product
 * items it carries. A line no other shipment names ships in `me`. Pure.
 */
import type { Address, Basket, BasketLine, Checkout, Shipment, ShipmentDetails } from './types.js';

export const DEFAULT_SHIPMENT_ID = 'me';

/** Shipments a basket may have, the default one included (SFCC sets no number; a bound keeps documents small). */
export const MAX_SHIPMENTS = 10;

/** One shipment as every reader sees it, the default one included. */
export interface ShipmentView extends ShipmentDetails {
  readonly id: string;
  readonly shippingAddress?: Address;
  readonly shippingMethodId: string | null;
  /** Its lines' item ids, in the basket's line order. */
  readonly itemIds: readonly string[];
}

/** The shipments other than `me`. */
export function extraShipments(checkout: Checkout): readonly Shipment[] {
  return checkout.shipments ?? [];
}

/** The id of the shipment a line ships in. */
export function shipmentIdOf(checkout: Checkout, itemId: string): string {
  return extraShipments(checkout).find((s) => s.itemIds.includes(itemId))?.id ?? DEFAULT_SHIPMENT_ID;
}

export function hasShipment(checkout: Checkout, shipmentId: string): boolean {
  return shipmentId === DEFAULT_SHIPMENT_ID || extraShipments(checkout).some((s) => s.id === shipmentId);
}

/** Every shipment, `me` first, then the others in the order created; each with its lines in line order. */
export function shipmentViews(basket: Pick<Basket, 'checkout' | 'shippingMethodId' | 'lines'>): ShipmentView[] {
  const { checkout } = basket;
  const lineOrder = [...basket.lines].sort((a, b) => a.position - b.position).map((l) => l.itemId);
  const of = (id: string) => lineOrder.filter((itemId) => shipmentIdOf(checkout, itemId) === id);
  return [
    {
      id: DEFAULT_SHIPMENT_ID,
      ...checkout.defaultShipment,
      ...(checkout.shippingAddress ? { shippingAddress: checkout.shippingAddress } : {}),
      shippingMethodId: basket.shippingMethodId,
      itemIds: of(DEFAULT_SHIPMENT_ID),
    },
    ...extraShipments(checkout).map((s) => ({ ...s, shippingMethodId: s.shippingMethodId ?? null, itemIds: of(s.id) })),
  ];
}

/** The checkout with the items moved into `shipmentId` (which must exist; `me` takes them back). */
export function moveItems(checkout: Checkout, itemIds: readonly string[], shipmentId: string): Checkout {
  const moving = new Set(itemIds);
  // An item already there stays where it is in the list; the others join at the end.
  const shipments = extraShipments(checkout).map((s) => ({
    ...s,
    itemIds: s.id === shipmentId ? [...s.itemIds, ...itemIds.filter((id) => !s.itemIds.includes(id))] : s.itemIds.filter((id) => !moving.has(id)),
  }));
  return withShipments(checkout, shipments);
}

/** The checkout with its shipments naming only lines that still exist (a removed line leaves its shipment). */
export function withExistingItems(checkout: Checkout, lines: readonly BasketLine[]): Checkout {
  const extra = extraShipments(checkout);
  if (extra.every((s) => s.itemIds.length === 0)) return checkout;
  const present = new Set(lines.map((l) => l.itemId));
  if (extra.every((s) => s.itemIds.every((id) => present.has(id)))) return checkout;
  return withShipments(
    checkout,
    extra.map((s) => ({ ...s, itemIds: s.itemIds.filter((id) => present.has(id)) })),
  );
}

/** The checkout with these extra shipments (none: the field goes, as single-shipment baskets store it). */
export function withShipments(checkout: Checkout, shipments: readonly Shipment[]): Checkout {
  const { shipments: _previous, ...rest } = checkout;
  return shipments.length === 0 ? rest : { ...rest, shipments };
}
