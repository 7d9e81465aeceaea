/**
 * OCAPI Shop API 23.2 basket resource (CONTRACT §4) under `/s/{site_id}/dw/shop/v23_2`. Every write is a
 * mutation through the basket's lane; reads come from the versioned snapshot. Errors are fault documents.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal } from '../../auth/tokens.js';
import type { MutationCommand } from '../../domain/mutations.js';
import type { BasketSnapshot } from '../../application/basket-snapshot.js';
import { idempotentBasketId, requestHash } from '../../application/ids.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, toApiError } from '../errors.js';
import { answerWrite, authenticate, canAccess, etag, ifNoneMatchVersion, isUuid, writeOptions } from '../http.js';
import { decimal, stringifyWithDecimals } from '../json.js';
import { Money, formatMoney, roundMoney } from '../../domain/money.js';
import { listPaymentMethods, listShippingMethods } from '../../persistence/site.repository.js';
import { toShippingMethod } from '../../persistence/basket.repository.js';
import { OCAPI_VERSION, renderBasketDocument, versionOfResourceState } from './basket.document.js';
import { faultDocument } from './fault.js';
import {
  AdjustmentParams,
  BasketParams,
  PriceAdjustmentBody,
  PriceAdjustmentPatchBody,
  CouponBody,
  CouponParams,
  CreateBasketBody,
  PaymentInstrumentBody,
  PaymentInstrumentParams,
  paymentInstrumentOf,
  CustomerBody,
  ItemParams,
  OrderAddressBody,
  ShipmentParams,
  ShippingMethodChoiceBody,
  SiteParams,
  UpdateBasketBody,
  customOf,
  productItemsBody,
  updateItemBody,
} from './schemas.js';

export const OCAPI_PREFIX = '/s/:site_id/dw/shop/v23_2';

export async function ocapiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { config, tokens, submitter, reader } = deps;

  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(apiError.status).type('application/json; charset=utf-8').send(faultDocument(apiError));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(faultDocument(new ApiError('not_found', 'No such resource.'))));

  const render = (snapshot: BasketSnapshot) => stringifyWithDecimals(renderBasketDocument(snapshot));
  const sendText = (reply: FastifyReply, version: number, text: string, status = 200) =>
    reply.code(status).header('etag', etag(version)).type('application/json; charset=utf-8').send(text);
  const sendDocument = (reply: FastifyReply, snapshot: BasketSnapshot, status = 200) => sendText(reply, snapshot.version, render(snapshot), status);

  /** The caller's basket on this site, or 404 exactly as if it did not exist. */
  async function ownedBasket(principal: Principal, siteId: string, basketId: string, minVersion = 0, dialect: string | null = null) {
    if (!isUuid(basketId)) throw basketNotFound(basketId);
    const read = await reader.head(basketId, minVersion, dialect);
    if (!read || read.head.status !== 'active' || read.head.siteId !== siteId || !canAccess(principal, read.head)) {
      throw basketNotFound(basketId);
    }
    return read;
  }

  async function submit(req: FastifyRequest, reply: FastifyReply, principal: Principal, basketId: string, command: MutationCommand, onApplied: (s: BasketSnapshot) => FastifyReply) {
    const { idempotencyKey, respondAsync } = writeOptions(req);
    const result = await submitter.submit({
      basketId,
      ownerId: principal.sub,
      role: principal.role,
      command,
      idempotencyKey,
      requestHash: requestHash(req.method, req.routeOptions.url ?? req.url, { params: req.params, body: req.body }),
      respondAsync,
    });
    return answerWrite(reply, result, basketId, onApplied);
  }

  /**
   * A change to an existing basket of the caller: 404 unless the caller may see it, then the mutation
   * `build` makes (which may still refuse, e.g. 403), answered with the new document by default.
   */
  async function changeBasket(
    req: FastifyRequest,
    reply: FastifyReply,
    params: { site_id: string; basket_id: string },
    build: (caller: { principal: Principal; version: number }) => MutationCommand,
    onApplied: (s: BasketSnapshot) => FastifyReply = (s) => sendDocument(reply, s),
  ) {
    const principal = authenticate(req, tokens);
    const read = await ownedBasket(principal, params.site_id, params.basket_id);
    return submit(req, reply, principal, params.basket_id, build({ principal, version: read.head.version }), onApplied);
  }

  r.post('/baskets', { schema: { tags: ['OCAPI'], summary: 'Create a basket', params: SiteParams, body: CreateBasketBody } }, async (req, reply) => {
    const principal = authenticate(req, tokens);
    const { idempotencyKey } = writeOptions(req);
    const basketId = idempotencyKey === null ? randomUUID() : idempotentBasketId(principal.sub, idempotencyKey);
    const command: MutationCommand = {
      kind: 'create_basket',
      siteId: req.params.site_id,
      currency: null,
      agentBasket: principal.role === 'agent',
      custom: customOf(req.body ?? {}),
    };
    return submit(req, reply, principal, basketId, command, (s) => sendDocument(reply, s, 200));
  });

  r.get('/baskets/:basket_id', { schema: { tags: ['OCAPI'], summary: 'Get a basket (ETag, If-None-Match)', params: BasketParams } }, async (req, reply) => {
    const principal = authenticate(req, tokens);
    const known = ifNoneMatchVersion(req);
    const { site_id, basket_id } = req.params;
    const read = await ownedBasket(principal, site_id, basket_id, known ?? 0, 'ocapi');
    if (known !== null && known === read.head.version) return reply.code(304).header('etag', etag(read.head.version)).send();
    const doc = await reader.render(basket_id, read, 'ocapi', render);
    if (!doc) throw basketNotFound(basket_id);
    return sendText(reply, doc.version, doc.text);
  });

  r.patch('/baskets/:basket_id', { schema: { tags: ['OCAPI'], summary: 'Update currency, source_code and c_* properties (optimistic with _resource_state)', params: BasketParams, body: UpdateBasketBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, ({ version }) => {
      // The state names a version; the worker refuses the change unless the basket is still at it. (Not
      // compared here: a repeat of an applied PATCH under its Idempotency-Key must get its first answer.)
      const given = req.body._resource_state;
      const expectedVersion = given === undefined ? null : versionOfResourceState(req.params.basket_id, given, version);
      if (given !== undefined && expectedVersion === null) {
        throw new ApiError('resource_state_conflict', 'The basket has changed since the _resource_state given; read it again.');
      }
      return {
        kind: 'update_basket',
        ...(req.body.currency !== undefined ? { currency: req.body.currency } : {}),
        ...(req.body.source_code !== undefined ? { sourceCode: req.body.source_code } : {}),
        custom: customOf(req.body),
        expectedVersion,
      };
    }),
  );

  r.put('/baskets/:basket_id/customer', { schema: { tags: ['OCAPI'], summary: "Set the basket's customer information", params: BasketParams, body: CustomerBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'set_customer', email: req.body.email, ...(req.body.customer_no ? { customerNo: req.body.customer_no } : {}) })),
  );

  r.put('/baskets/:basket_id/billing_address', { schema: { tags: ['OCAPI'], summary: 'Set the billing address', params: BasketParams, body: OrderAddressBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'set_billing_address', address: req.body })),
  );

  r.put(
    '/baskets/:basket_id/shipments/:shipment_id/shipping_address',
    { schema: { tags: ['OCAPI'], summary: "Set a shipment's shipping address (`me`: the default shipment)", params: ShipmentParams, body: OrderAddressBody } },
    (req, reply) => changeBasket(req, reply, req.params, () => ({ kind: 'set_shipping_address', shipmentId: req.params.shipment_id, address: req.body })),
  );

  r.put(
    '/baskets/:basket_id/shipments/:shipment_id/shipping_method',
    { schema: { tags: ['OCAPI'], summary: "Choose a shipment's shipping method", params: ShipmentParams, body: ShippingMethodChoiceBody } },
    (req, reply) => changeBasket(req, reply, req.params, () => ({ kind: 'set_shipping_method', shipmentId: req.params.shipment_id, methodId: req.body.id })),
  );

  r.get(
    '/baskets/:basket_id/shipments/:shipment_id/shipping_methods',
    { schema: { tags: ['OCAPI'], summary: 'Shipping methods applicable to a shipment, priced for this basket', params: ShipmentParams } },
    async (req, reply) => {
      const principal = authenticate(req, tokens);
      const { site_id, basket_id, shipment_id } = req.params;
      const read = await ownedBasket(principal, site_id, basket_id);
      if (shipment_id !== 'me') throw new ApiError('shipment_not_found', `No shipment '${shipment_id}' in this basket.`);
      const snapshot = await reader.snapshot(basket_id, read);
      if (!snapshot) throw basketNotFound(basket_id);
      const productTotal = new Money(snapshot.totals.productTotal);
      const methods = (await listShippingMethods(deps.db, site_id)).map(toShippingMethod);
      const applicable = methods.map((m) => ({
        _type: 'shipping_method',
        id: m.id,
        name: m.name,
        price: decimal(formatMoney(m.freeOver !== null && productTotal.gte(m.freeOver) ? new Money(0) : roundMoney(m.price, snapshot.currency, snapshot.roundingMode), snapshot.currency)),
      }));
      const body = { _v: OCAPI_VERSION, _type: 'shipping_method_result', applicable_shipping_methods: applicable, ...(snapshot.shipping ? { default_shipping_method_id: snapshot.shipping.methodId } : {}) };
      return reply.type('application/json; charset=utf-8').send(stringifyWithDecimals(body));
    },
  );

  const agentOnly = (principal: Principal) => {
    if (principal.role !== 'agent') throw new ApiError('forbidden', 'Only agents may adjust prices.');
  };

  r.post('/baskets/:basket_id/price_adjustments', { schema: { tags: ['OCAPI'], summary: 'Add a manual price adjustment (agents only)', params: BasketParams, body: PriceAdjustmentBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, ({ principal }) => {
      agentOnly(principal);
      const b = req.body;
      return {
        kind: 'add_price_adjustment',
        level: b.level,
        itemId: b.item_id ?? null,
        type: b.discount.type,
        value: b.discount.value,
        reasonCode: b.reason_code ?? null,
        itemText: b.item_text ?? null,
      };
    }),
  );

  r.patch('/baskets/:basket_id/price_adjustments/:price_adjustment_id', { schema: { tags: ['OCAPI'], summary: 'Change a manual price adjustment (agents only)', params: AdjustmentParams, body: PriceAdjustmentPatchBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, ({ principal }) => {
      agentOnly(principal);
      const b = req.body;
      return {
        kind: 'update_price_adjustment',
        adjustmentId: req.params.price_adjustment_id,
        ...(b.discount ? { type: b.discount.type, value: b.discount.value } : {}),
        ...(b.reason_code !== undefined ? { reasonCode: b.reason_code } : {}),
        ...(b.item_text !== undefined ? { itemText: b.item_text } : {}),
      };
    }),
  );

  r.delete('/baskets/:basket_id/price_adjustments/:price_adjustment_id', { schema: { tags: ['OCAPI'], summary: 'Remove a manual price adjustment (agents only)', params: AdjustmentParams } }, (req, reply) =>
    changeBasket(req, reply, req.params, ({ principal }) => {
      agentOnly(principal);
      return { kind: 'remove_price_adjustment', adjustmentId: req.params.price_adjustment_id };
    }),
  );

  r.post('/baskets/:basket_id/coupons', { schema: { tags: ['OCAPI'], summary: 'Add a coupon code (its status_code tells whether it applies)', params: BasketParams, body: CouponBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'add_coupon', code: req.body.code, verify: false })),
  );

  r.delete('/baskets/:basket_id/coupons/:coupon_item_id', { schema: { tags: ['OCAPI'], summary: 'Remove a coupon code', params: CouponParams } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'remove_coupon', couponItemId: req.params.coupon_item_id })),
  );

  r.post('/baskets/:basket_id/payment_instruments', { schema: { tags: ['OCAPI'], summary: 'Add a payment instrument (card numbers are kept masked)', params: BasketParams, body: PaymentInstrumentBody } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'add_payment_instrument', instrument: paymentInstrumentOf(req.body) })),
  );

  r.delete('/baskets/:basket_id/payment_instruments/:payment_instrument_id', { schema: { tags: ['OCAPI'], summary: 'Remove a payment instrument', params: PaymentInstrumentParams } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'remove_payment_instrument', paymentInstrumentId: req.params.payment_instrument_id })),
  );

  r.get('/baskets/:basket_id/payment_methods', { schema: { tags: ['OCAPI'], summary: "Payment methods applicable to the basket (the site's enabled ones)", params: BasketParams } }, async (req, reply) => {
    const principal = authenticate(req, tokens);
    await ownedBasket(principal, req.params.site_id, req.params.basket_id);
    const methods = await listPaymentMethods(deps.db, req.params.site_id);
    const body = {
      _v: OCAPI_VERSION,
      _type: 'payment_method_result',
      applicable_payment_methods: methods.map((m) => ({
        _type: 'payment_method',
        id: m.id,
        name: m.name,
        ...(m.cardTypes.length > 0 ? { cards: m.cardTypes.map((c) => ({ _type: 'payment_card_spec', card_type: c, name: c })) } : {}),
      })),
    };
    return reply.type('application/json; charset=utf-8').send(body);
  });

  r.delete('/baskets/:basket_id', { schema: { tags: ['OCAPI'], summary: 'Delete a basket; releases its reservations', params: BasketParams } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'delete_basket' }), () => reply.code(204).send()),
  );

  r.post('/baskets/:basket_id/items', { schema: { tags: ['OCAPI'], summary: 'Add product items (quantities of a product already in the basket add up)', params: BasketParams, body: productItemsBody(config.MAX_LINE_QUANTITY, config.MAX_LINES) } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'add_items', items: req.body.map((i) => ({ sku: i.product_id, quantity: i.quantity, custom: customOf(i) })) })),
  );

  r.patch('/baskets/:basket_id/items/:item_id', { schema: { tags: ['OCAPI'], summary: 'Change an item quantity (0 removes it)', params: ItemParams, body: updateItemBody(config.MAX_LINE_QUANTITY) } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'set_item_quantity', itemId: req.params.item_id, quantity: req.body.quantity })),
  );

  r.delete('/baskets/:basket_id/items/:item_id', { schema: { tags: ['OCAPI'], summary: 'Remove an item', params: ItemParams } }, (req, reply) =>
    changeBasket(req, reply, req.params, () => ({ kind: 'remove_item', itemId: req.params.item_id })),
  );
}

function basketNotFound(basketId: string): ApiError {
  return new ApiError('basket_not_found', `No basket with id '${basketId}' was found.`);
}
