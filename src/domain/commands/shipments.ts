/**
 * Commands that make, change and remove shipments beyond the default one (`me`). Items move between
 * shipments through the line commands (`update_item` / `update_items` / `add_items` with a shipment).
 */
import { DEFAULT_SHIPMENT_ID, MAX_SHIPMENTS, extraShipments, hasShipment, withShipments } from '../shipments.js';
import type { Address, Basket, Checkout, Shipment, ShipmentDetails } from '../types.js';
import type { MutationContext } from './context.js';
import { change, mergeCustom, reject, type BasketChange, type CommandSpecs, type HandlerResult } from './handler.js';

/** A shipment's fields as a command gives them (absent: unchanged; a null message clears it; `custom`: null removes a property). */
export interface ShipmentFields {
  readonly address?: Address;
  readonly methodId?: string;
  readonly gift?: boolean;
  readonly giftMessage?: string | null;
  readonly custom?: Readonly<Record<string, unknown>>;
}

/** The commands of this family. */
export type ShipmentCommand =
  /** SCAPI createShipmentForBasket: `shipmentId` as the client chose it, or null for one made here. */
  | ({ readonly kind: 'create_shipment'; readonly shipmentId: string | null } & ShipmentFields)
  /** SCAPI updateShipmentForBasket: any shipment, `me` included. */
  | ({ readonly kind: 'update_shipment'; readonly shipmentId: string } & ShipmentFields)
  /** SCAPI removeShipmentFromBasket: the shipment goes with its product items, as SFCC removes them; `me` stays. */
  | { readonly kind: 'remove_shipment'; readonly shipmentId: string };

export const noShipment = (shipmentId: string) => reject('shipment_not_found', `No shipment '${shipmentId}' in this basket.`);

export const shipmentCommands: CommandSpecs<ShipmentCommand> = {
  create_shipment: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      // A generated id is derived from the mutation id, so a replay makes the same one.
      const id = c.shipmentId ?? `shipment_${ctx.newItemId(0)}`;
      if (hasShipment(basket.checkout, id)) return reject('shipment_id_in_use', `The basket already has a shipment '${id}'.`);
      if (extraShipments(basket.checkout).length + 1 >= MAX_SHIPMENTS)
        return reject('shipment_limit_exceeded', `A basket holds at most ${MAX_SHIPMENTS} shipments.`);
      const created: Shipment = { id, itemIds: [] };
      const added: Basket = { ...basket, checkout: withShipments(basket.checkout, [...extraShipments(basket.checkout), created]) };
      return updateShipment(added, id, c, ctx);
    },
  },
  update_shipment: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => updateShipment(basket, c.shipmentId, c, ctx),
  },
  remove_shipment: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) => {
      if (c.shipmentId === DEFAULT_SHIPMENT_ID) return reject('default_shipment_not_removable', "The default shipment 'me' cannot be removed.");
      const shipment = extraShipments(basket.checkout).find((s) => s.id === c.shipmentId);
      if (!shipment) return noShipment(c.shipmentId);
      // Its items go with it (their held units are released by the reservation plan).
      return change({
        lines: basket.lines.filter((l) => !shipment.itemIds.includes(l.itemId)),
        checkout: withShipments(
          basket.checkout,
          extraShipments(basket.checkout).filter((s) => s !== shipment),
        ),
      });
    },
  },
};

/**
 * A shipment's fields as given, into it. The address `replace`s the shipment's (updateShipmentForBasket:
 * the app sends `{}` to clear one) or `merge`s into it (updateShippingAddressForShipment, as SCAPI merges
 * a partial one). The method must be one of the site's. `me` keeps its address and method where they
 * always were.
 */
export function updateShipment(
  basket: Basket,
  shipmentId: string,
  f: ShipmentFields,
  ctx: MutationContext,
  address: 'replace' | 'merge' = 'replace',
): HandlerResult {
  if (!hasShipment(basket.checkout, shipmentId)) return noShipment(shipmentId);
  if (f.methodId !== undefined && !ctx.shippingMethods?.has(f.methodId)) {
    return reject('shipping_method_not_found', `No shipping method '${f.methodId}' on this site.`);
  }
  const { checkout } = basket;
  // The address afterwards, when one was given (an empty one replacing clears it: undefined).
  const nextAddress = (current: Address | undefined): Address | undefined => {
    if (address === 'merge') return { ...current, ...f.address };
    return Object.keys(f.address!).length > 0 ? f.address : undefined;
  };
  if (shipmentId === DEFAULT_SHIPMENT_ID) {
    const { defaultShipment, shippingAddress, ...rest } = checkout;
    const details = detailsOf(defaultShipment ?? {}, f);
    const addressAfter = f.address ? nextAddress(shippingAddress) : shippingAddress;
    const next: Checkout = {
      ...rest,
      ...(addressAfter ? { shippingAddress: addressAfter } : {}),
      ...(Object.keys(details).length > 0 ? { defaultShipment: details } : {}),
    };
    const fields: BasketChange = { checkout: next, ...(f.methodId !== undefined ? { shippingMethodId: f.methodId } : {}) };
    return change(fields);
  }
  const shipments = extraShipments(checkout).map((s): Shipment => {
    if (s.id !== shipmentId) return s;
    const { gift: _g, giftMessage: _m, custom: _c, shippingAddress, ...rest } = s;
    const addressAfter = f.address ? nextAddress(shippingAddress) : shippingAddress;
    return {
      ...rest,
      ...(addressAfter ? { shippingAddress: addressAfter } : {}),
      ...(f.methodId !== undefined ? { shippingMethodId: f.methodId } : {}),
      ...detailsOf(s, f),
    };
  });
  return change({ checkout: withShipments(checkout, shipments) });
}

/** The gift flag, message and custom properties after the fields given (a false flag, no message and no properties are left out). */
function detailsOf(current: ShipmentDetails, f: ShipmentFields): ShipmentDetails {
  const gift = f.gift ?? current.gift ?? false;
  const giftMessage = f.giftMessage === undefined ? current.giftMessage : (f.giftMessage ?? undefined);
  const custom = f.custom ? mergeCustom(current.custom ?? {}, f.custom) : (current.custom ?? {});
  return {
    ...(gift ? { gift: true } : {}),
    ...(giftMessage !== undefined ? { giftMessage } : {}),
    ...(Object.keys(custom).length > 0 ? { custom } : {}),
  };
}
