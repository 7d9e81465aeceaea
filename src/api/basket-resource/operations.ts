/**
 * The basket resource's operations, defined once for every dialect that exposes it (OCAPI Shop API,
 * and its SCAPI Shopper Baskets alias). Paths, params and bodies are written in OCAPI's form
 * (snake_case); a dialect maps its own spelling onto them before validation. Each write names the
 * mutation it submits; reads name what they answer.
 */
import type { z } from 'zod';
import type { Principal } from '../../auth/tokens.js';
import type { ItemUpdate, MutationCommand, ShipmentFields } from '../../domain/mutations.js';
import type { Config } from '../../config.js';
import { ApiError } from '../errors.js';
import { versionOfResourceState } from '../ocapi/basket.document.js';
import {
  AdjustmentParams,
  BasketParams,
  CouponBody,
  CouponParams,
  CreateBasketBody,
  CreateShipmentBody,
  CustomerBody,
  ItemParams,
  OrderAddressBody,
  PaymentInstrumentBody,
  PaymentInstrumentParams,
  PaymentInstrumentPatchBody,
  PriceAdjustmentBody,
  PriceAdjustmentPatchBody,
  ShipmentParams,
  ShippingMethodChoiceBody,
  SiteParams,
  UpdateBasketBody,
  UpdateShipmentBody,
  customOf,
  paymentInstrumentOf,
  productItemsBody,
  updateItemBody,
  updateItemsBody,
} from '../ocapi/schemas.js';

/**
 * What a write's command is built from: validated params and body, the caller, the basket's version as
 * read (null, not read, unless the operation's `readsVersion` asks for it with this body).
 */
export interface ChangeInput {
  // Each operation's params and body are what its own zod schemas parsed; the table holds operations of
  // every shape, so they are typed loosely here and narrowed by each `build`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly params: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly principal: Principal;
  readonly version: number | null;
  /** The query string, as given (either dialect's spelling). */
  readonly query: Readonly<Record<string, unknown>>;
  /** SCAPI refuses a coupon code that cannot be used, as SFCC does; OCAPI here keeps it with its status. */
  readonly verifiesCoupons?: boolean;
}

interface ItemBody {
  item_id?: string;
  product_id?: string;
  quantity?: number;
  shipment_id?: string;
  inventory_id?: string;
  gift?: boolean;
  gift_message?: string | null;
  [key: string]: unknown;
}

/** An item update's command fields from a body (its `price`, if any, is never read). */
function itemUpdateOf(itemId: string, b: ItemBody): ItemUpdate {
  return {
    itemId,
    ...(b.shipment_id !== undefined ? { shipmentId: b.shipment_id } : {}),
    ...(b.inventory_id !== undefined ? { inventoryId: b.inventory_id } : {}),
    ...(b.quantity !== undefined ? { quantity: b.quantity } : {}),
    ...(b.product_id !== undefined ? { sku: b.product_id } : {}),
    ...(b.gift !== undefined ? { gift: b.gift } : {}),
    ...(b.gift_message !== undefined ? { giftMessage: b.gift_message } : {}),
  };
}

interface ShipmentBody {
  shipping_address?: Record<string, unknown>;
  shipping_method?: { id: string };
  gift?: boolean;
  gift_message?: string | null;
  [key: string]: unknown;
}

/** A shipment's command fields from a create or update body (absent fields are left out: unchanged). */
function shipmentFieldsOf(b: ShipmentBody): ShipmentFields {
  const custom = customOf(b);
  return {
    ...(b.shipping_address !== undefined ? { address: b.shipping_address } : {}),
    ...(b.shipping_method !== undefined ? { methodId: b.shipping_method.id } : {}),
    ...(b.gift !== undefined ? { gift: b.gift } : {}),
    ...(b.gift_message !== undefined ? { giftMessage: b.gift_message } : {}),
    ...(Object.keys(custom).length > 0 ? { custom } : {}),
  };
}

/** A boolean query flag in OCAPI's or SCAPI's spelling (`use_as_billing` / `useAsBilling`). */
function flag(query: Readonly<Record<string, unknown>>, snake: string, camel: string): boolean {
  return query[snake] === 'true' || query[camel] === 'true';
}

interface Common {
  /** SCAPI's operation name (also the OpenAPI operationId stem). */
  readonly name: string;
  readonly summary: string;
  /** OCAPI form, relative to the dialect's base: `/baskets/:basket_id/items`. */
  readonly path: string;
  readonly params: z.ZodType;
}

export type BasketOperation =
  | (Common & { readonly kind: 'create'; readonly method: 'POST'; readonly body: z.ZodType })
  | (Common & { readonly kind: 'get'; readonly method: 'GET' })
  | (Common & {
      readonly kind: 'change';
      readonly method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
      readonly body?: z.ZodType;
      readonly build: (input: ChangeInput) => MutationCommand;
      /**
       * Whether `build` needs the basket's version with this body: the basket is then read before the
       * write (otherwise its ownership is checked with the write's ticket, with no read; write-path.ts).
       */
      readonly readsVersion?: (body: Record<string, unknown>) => boolean;
      /** `empty`: 204 once applied (DELETE of the basket). */
      readonly answer?: 'document' | 'empty';
    })
  | (Common & { readonly kind: 'shipping_methods' | 'payment_methods' | 'notes'; readonly method: 'GET' });

export function basketOperations(config: Config): BasketOperation[] {
  return [
    { kind: 'create', name: 'createBasket', method: 'POST', path: '/baskets', summary: 'Create a basket', params: SiteParams, body: CreateBasketBody },
    { kind: 'get', name: 'getBasket', method: 'GET', path: '/baskets/:basket_id', summary: 'Get a basket (ETag, If-None-Match)', params: BasketParams },
    {
      kind: 'change',
      name: 'updateBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id',
      summary: 'Update currency, source_code and c_* properties (optimistic with _resource_state)',
      params: BasketParams,
      body: UpdateBasketBody,
      readsVersion: (body) => body._resource_state !== undefined,
      build: ({ params, body, version }) => {
        // The state names a version; the worker refuses the change unless the basket is still at it. (Not
        // compared here: a repeat of an applied PATCH under its Idempotency-Key must get its first answer.)
        const given = body._resource_state as string | undefined;
        if (given !== undefined && version === null) throw new Error('updateBasket with a _resource_state needs the version read (readsVersion)');
        const expectedVersion = given === undefined || version === null ? null : versionOfResourceState(params.basket_id, given, version);
        if (given !== undefined && expectedVersion === null) {
          throw new ApiError('resource_state_conflict', 'The basket has changed since the _resource_state given; read it again.');
        }
        return {
          kind: 'update_basket',
          ...(body.currency !== undefined ? { currency: body.currency } : {}),
          ...(body.source_code !== undefined ? { sourceCode: body.source_code } : {}),
          custom: customOf(body),
          expectedVersion,
        };
      },
    },
    {
      kind: 'change',
      name: 'deleteBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id',
      summary: 'Delete a basket; releases its reservations',
      params: BasketParams,
      build: () => ({ kind: 'delete_basket' }),
      answer: 'empty',
    },
    {
      kind: 'change',
      name: 'addItemToBasket',
      method: 'POST',
      path: '/baskets/:basket_id/items',
      summary:
        "Add product items (quantities of a product already in the same shipment and inventory add up; `shipment_id`: into that shipment, else `me`; `inventory_id`: held in that stock list, a pickup store's, else the site's)",
      params: BasketParams,
      body: productItemsBody(config.MAX_LINE_QUANTITY, config.MAX_LINES),
      // A storefront's `price` is accepted and ignored: the price list prices every line.
      build: ({ body }) => ({
        kind: 'add_items',
        items: (body as (ItemBody & { product_id: string; quantity: number })[]).map((i) => ({
          sku: i.product_id,
          quantity: i.quantity,
          custom: customOf(i),
          ...(i.gift !== undefined ? { gift: i.gift } : {}),
          ...(i.gift_message !== undefined ? { giftMessage: i.gift_message } : {}),
          ...(i.shipment_id !== undefined ? { shipmentId: i.shipment_id } : {}),
          ...(i.inventory_id !== undefined ? { inventoryId: i.inventory_id } : {}),
        })),
      }),
    },
    {
      kind: 'change',
      name: 'updateItemInBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id/items/:item_id',
      summary:
        "Change an item: quantity (0 removes it), product_id (a variant swap: new SKU priced and held, the old released), gift, gift_message, shipment_id (moves it into that shipment), inventory_id (the stock list holding it: a pickup store's or the site's; its held units move there)",
      params: ItemParams,
      body: updateItemBody(config.MAX_LINE_QUANTITY),
      build: ({ params, body }) => ({ kind: 'update_item', ...itemUpdateOf(params.item_id, body) }),
    },
    {
      kind: 'change',
      name: 'updateItemsInBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id/items',
      summary: 'Change several items at once (each as updateItemInBasket), all or none',
      params: BasketParams,
      body: updateItemsBody(config.MAX_LINE_QUANTITY, config.MAX_LINES),
      build: ({ body }) => ({ kind: 'update_items', items: (body as ItemBody[]).map((i) => itemUpdateOf(i.item_id!, i)) }),
    },
    {
      kind: 'change',
      name: 'removeItemFromBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id/items/:item_id',
      summary: 'Remove an item',
      params: ItemParams,
      build: ({ params }) => ({ kind: 'remove_item', itemId: params.item_id }),
    },
    {
      kind: 'change',
      name: 'addCouponToBasket',
      method: 'POST',
      path: '/baskets/:basket_id/coupons',
      summary: 'Add a coupon code (its status_code tells whether it applies)',
      params: BasketParams,
      body: CouponBody,
      build: ({ body, verifiesCoupons }) => ({ kind: 'add_coupon', code: body.code, ...(verifiesCoupons ? { verify: true } : {}) }),
    },
    {
      kind: 'change',
      name: 'removeCouponFromBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id/coupons/:coupon_item_id',
      summary: 'Remove a coupon code',
      params: CouponParams,
      build: ({ params }) => ({ kind: 'remove_coupon', couponItemId: params.coupon_item_id }),
    },
    {
      kind: 'change',
      name: 'addPriceAdjustmentToBasket',
      method: 'POST',
      path: '/baskets/:basket_id/price_adjustments',
      summary: 'Add a manual price adjustment (agents only)',
      params: BasketParams,
      body: PriceAdjustmentBody,
      build: ({ body }) => ({
        kind: 'add_price_adjustment',
        level: body.level,
        itemId: body.item_id ?? null,
        type: body.discount.type,
        value: body.discount.value,
        reasonCode: body.reason_code ?? null,
        itemText: body.item_text ?? null,
        custom: customOf(body),
      }),
    },
    {
      kind: 'change',
      name: 'updatePriceAdjustmentInBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id/price_adjustments/:price_adjustment_id',
      summary: 'Change a manual price adjustment (agents only)',
      params: AdjustmentParams,
      body: PriceAdjustmentPatchBody,
      build: ({ params, body }) => ({
        kind: 'update_price_adjustment',
        adjustmentId: params.price_adjustment_id,
        ...(body.discount ? { type: body.discount.type, value: body.discount.value } : {}),
        ...(body.reason_code !== undefined ? { reasonCode: body.reason_code } : {}),
        ...(body.item_text !== undefined ? { itemText: body.item_text } : {}),
        custom: customOf(body),
      }),
    },
    {
      kind: 'change',
      name: 'removePriceAdjustmentFromBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id/price_adjustments/:price_adjustment_id',
      summary: 'Remove a manual price adjustment (agents only)',
      params: AdjustmentParams,
      build: ({ params }) => ({ kind: 'remove_price_adjustment', adjustmentId: params.price_adjustment_id }),
    },
    {
      kind: 'change',
      name: 'updateCustomerForBasket',
      method: 'PUT',
      path: '/baskets/:basket_id/customer',
      summary: "Set the basket's customer information",
      params: BasketParams,
      body: CustomerBody,
      build: ({ body }) => ({ kind: 'set_customer', email: body.email, ...(body.customer_no ? { customerNo: body.customer_no } : {}) }),
    },
    {
      kind: 'change',
      name: 'updateBillingAddressForBasket',
      method: 'PUT',
      path: '/baskets/:basket_id/billing_address',
      summary: "Set the billing address (`use_as_shipping=true`: the default shipment's too)",
      params: BasketParams,
      body: OrderAddressBody,
      build: ({ body, query }) => ({ kind: 'set_billing_address', address: body, alsoShipping: flag(query, 'use_as_shipping', 'useAsShipping') }),
    },
    {
      kind: 'change',
      name: 'updateShippingAddressForShipment',
      method: 'PUT',
      path: '/baskets/:basket_id/shipments/:shipment_id/shipping_address',
      summary: "Set a shipment's shipping address (`me`: the default shipment; `use_as_billing=true`: the billing address too)",
      params: ShipmentParams,
      body: OrderAddressBody,
      build: ({ params, body, query }) => ({
        kind: 'set_shipping_address',
        shipmentId: params.shipment_id,
        address: body,
        alsoBilling: flag(query, 'use_as_billing', 'useAsBilling'),
      }),
    },
    {
      kind: 'change',
      name: 'updateShippingMethodForShipment',
      method: 'PUT',
      path: '/baskets/:basket_id/shipments/:shipment_id/shipping_method',
      summary: "Choose a shipment's shipping method",
      params: ShipmentParams,
      body: ShippingMethodChoiceBody,
      build: ({ params, body }) => ({ kind: 'set_shipping_method', shipmentId: params.shipment_id, methodId: body.id }),
    },
    {
      kind: 'change',
      name: 'createShipmentForBasket',
      method: 'POST',
      path: '/baskets/:basket_id/shipments',
      summary: 'Create a shipment (`shipment_id` as given, else one is made): address, method, gift, gift_message, c_* (a pickup store as `c_fromStoreId`)',
      params: BasketParams,
      body: CreateShipmentBody,
      build: ({ body }) => ({ kind: 'create_shipment', shipmentId: body.shipment_id ?? null, ...shipmentFieldsOf(body) }),
    },
    {
      kind: 'change',
      name: 'updateShipmentForBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id/shipments/:shipment_id',
      summary: 'Change a shipment (`me` too): the address given merges into its own, method, gift, gift_message, c_* (null removes)',
      params: ShipmentParams,
      body: UpdateShipmentBody,
      build: ({ params, body }) => {
        if (body.shipment_id !== undefined && body.shipment_id !== params.shipment_id) {
          throw new ApiError('invalid_request', `body.shipment_id: '${body.shipment_id}' is not the shipment of the path ('${params.shipment_id}')`);
        }
        return { kind: 'update_shipment', shipmentId: params.shipment_id, ...shipmentFieldsOf(body) };
      },
    },
    {
      kind: 'change',
      name: 'removeShipmentFromBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id/shipments/:shipment_id',
      summary: 'Remove a shipment with its product items, as SFCC does (the default shipment `me` cannot be removed: 403)',
      params: ShipmentParams,
      build: ({ params }) => ({ kind: 'remove_shipment', shipmentId: params.shipment_id }),
    },
    {
      kind: 'shipping_methods',
      name: 'getShippingMethodsForShipment',
      method: 'GET',
      path: '/baskets/:basket_id/shipments/:shipment_id/shipping_methods',
      summary: 'Shipping methods applicable to a shipment, priced for this basket',
      params: ShipmentParams,
    },
    {
      kind: 'change',
      name: 'addPaymentInstrumentToBasket',
      method: 'POST',
      path: '/baskets/:basket_id/payment_instruments',
      summary: 'Add a payment instrument (card numbers are kept masked)',
      params: BasketParams,
      body: PaymentInstrumentBody,
      build: ({ body }) => ({ kind: 'add_payment_instrument', instrument: paymentInstrumentOf(body) }),
    },
    {
      kind: 'change',
      name: 'updatePaymentInstrumentInBasket',
      method: 'PATCH',
      path: '/baskets/:basket_id/payment_instruments/:payment_instrument_id',
      summary: 'Change a payment instrument (PWA Kit sets its amount to the order total before placing the order)',
      params: PaymentInstrumentParams,
      body: PaymentInstrumentPatchBody,
      build: ({ params, body }) => {
        const changes = {
          ...(body.payment_method_id !== undefined ? { methodId: body.payment_method_id } : {}),
          ...(body.amount !== undefined ? { amount: body.amount } : {}),
          ...(body.payment_card !== undefined
            ? { card: paymentInstrumentOf({ payment_method_id: body.payment_method_id ?? '', payment_card: body.payment_card }).card }
            : {}),
        };
        return { kind: 'update_payment_instrument', paymentInstrumentId: params.payment_instrument_id, changes };
      },
    },
    {
      kind: 'change',
      name: 'removePaymentInstrumentFromBasket',
      method: 'DELETE',
      path: '/baskets/:basket_id/payment_instruments/:payment_instrument_id',
      summary: 'Remove a payment instrument',
      params: PaymentInstrumentParams,
      build: ({ params }) => ({ kind: 'remove_payment_instrument', paymentInstrumentId: params.payment_instrument_id }),
    },
    {
      kind: 'notes',
      name: 'getNotesFromBasket',
      method: 'GET',
      path: '/baskets/:basket_id/notes',
      summary: "The basket's notes (the document links here; this service keeps none yet, so the list is empty)",
      params: BasketParams,
    },
    {
      kind: 'payment_methods',
      name: 'getPaymentMethodsForBasket',
      method: 'GET',
      path: '/baskets/:basket_id/payment_methods',
      summary: "Payment methods applicable to the basket (the site's enabled ones)",
      params: BasketParams,
    },
  ];
}
