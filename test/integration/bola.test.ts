/**
 * Broken object-level authorisation: every basket-scoped route of the OCAPI and SCAPI dialects (taken
 * from the operations table, so a new route cannot be forgotten) answers another customer's token with
 * 404, exactly as for a missing basket, and changes nothing. Akinon has no basket id in its paths; a
 * stranger naming the victim's basket item gets 400 and the victim's basket is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basketOperations } from '../../src/api/basket-resource/operations.js';
import { toScapiPath } from '../../src/api/scapi/spelling.js';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
let victim: Shopper;
let basketId: string;
let itemId: string;
let couponItemId: string;
let paymentInstrumentId: string;
let adjustmentId: string;
const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';

/** A valid body for each write (validation runs before the ownership check, so it must pass). */
const BODIES: Record<string, unknown> = {
  updateBasket: { c_note: 'stolen' },
  addItemToBasket: [{ product_id: 'X', quantity: 1 }],
  updateItemInBasket: { quantity: 5 },
  updateItemsInBasket: [{ item_id: 'any-item', quantity: 5 }],
  updatePaymentInstrumentInBasket: { amount: '1.00' },
  addCouponToBasket: { code: 'STEAL' },
  addPriceAdjustmentToBasket: { level: 'order', discount: { type: 'amount', value: '1' } },
  updatePriceAdjustmentInBasket: { discount: { type: 'amount', value: '2' } },
  updateCustomerForBasket: { email: 'thief@example.com' },
  updateBillingAddressForBasket: { address1: 'x', city: 'y', country_code: 'US' },
  updateShippingAddressForShipment: { address1: 'x', city: 'y', country_code: 'US' },
  updateShippingMethodForShipment: { id: 'std' },
  createShipmentForBasket: { shipment_id: 'second' },
  updateShipmentForBasket: { gift: true },
  addPaymentInstrumentToBasket: { payment_method_id: 'CREDIT_CARD' },
};

beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-safe`;
  await seedProducts(h, [{ sku, price: '10.00' }]);
  victim = new Shopper(h);
  basketId = await victim.createBasket();
  const withItem = (await victim.addItems(basketId, [{ product_id: sku, quantity: 1 }])).json();
  itemId = withItem.product_items[0].item_id;
  couponItemId = (await victim.request('POST', `${OCAPI}/baskets/${basketId}/coupons`, { code: 'ANY' })).json().coupon_items[0].coupon_item_id;
  paymentInstrumentId = (await victim.request('POST', `${OCAPI}/baskets/${basketId}/payment_instruments`, { payment_method_id: 'CREDIT_CARD' })).json().payment_instruments[0].payment_instrument_id;
  const agent = new Shopper(h, `agent-${h.tag}`, 'agent');
  adjustmentId = (await agent.request('POST', `${OCAPI}/baskets/${basketId}/price_adjustments`, { level: 'order', discount: { type: 'amount', value: '1' } })).json().order_price_adjustments[0].price_adjustment_id;
});
afterAll(async () => h?.close());

/** The path with the victim's ids (path parameters in either spelling). */
function fill(path: string): string {
  const ids: Record<string, string> = { basket: basketId, item: itemId, coupon_item: couponItemId, payment_instrument: paymentInstrumentId, price_adjustment: adjustmentId, shipment: 'me' };
  return path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => ids[name.replace(/Id$|_id$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] ?? `:${name}`);
}

const scoped = () => basketOperations({ MAX_LINE_QUANTITY: 999, MAX_LINES: 50 } as never).filter((op) => op.path.includes(':basket_id'));

describe('another customer gets 404 on every basket-scoped route', () => {
  it('covers every operation of the table', () => {
    expect(scoped().length).toBeGreaterThanOrEqual(19);
  });

  for (const dialect of ['ocapi', 'scapi'] as const) {
    it(`${dialect}: each route answers 404 and the victim's basket is unchanged`, async () => {
      const stranger = new Shopper(h);
      // An agent adjusting prices passes the role check, so ownership alone must stop a customer.
      const before = (await victim.get(basketId)).json();
      for (const op of scoped()) {
        const body = BODIES[op.name];
        const url =
          dialect === 'ocapi'
            ? `${OCAPI}${fill(op.path)}`
            : `${ORG}${fill(toScapiPath(op.path))}?siteId=default`;
        const payload = dialect === 'scapi' && body !== undefined ? camel(body) : body;
        const r = await stranger.request(op.method, url, payload);
        expect(r.statusCode, `${dialect} ${op.method} ${op.path}: ${r.body}`).toBe(404);
        // The basket's 404, not the router's: the route exists and refused this caller.
        expect(dialect === 'ocapi' ? r.json().fault.type : r.json().title, `${op.method} ${op.path}`).toBe(dialect === 'ocapi' ? 'BasketNotFoundException' : 'Basket Not Found');
        expect(r.body).not.toContain(sku);
      }
      const after = (await victim.get(basketId)).json();
      expect(after._resource_state).toBe(before._resource_state);
    });
  }

  it('a missing basket and a foreign one answer alike', async () => {
    const stranger = new Shopper(h);
    const foreign = await stranger.request('GET', `${OCAPI}/baskets/${basketId}`);
    const missing = await stranger.request('GET', `${OCAPI}/baskets/00000000-0000-4000-8000-000000000000`);
    expect(foreign.statusCode).toBe(missing.statusCode);
    expect(foreign.json().fault.type).toBe(missing.json().fault.type);
  });

  it("akinon: a stranger naming the victim's basket item gets 400 and cannot read the victim's basket", async () => {
    const stranger = new Shopper(h);
    const own = await stranger.request('GET', '/baskets/basket/');
    expect(own.statusCode).toBe(200);
    expect(own.json().basket.basketitem_set).toEqual([]);
    const victimAkinon = (await victim.request('GET', '/baskets/basket/')).json().basket;
    const victimItem = victimAkinon.basketitem_set[0]?.id;
    if (victimItem !== undefined) {
      const r = await stranger.request('PATCH', '/baskets/basket_items/', { id: victimItem, is_all: true, attributes: { colour: 'red' } });
      expect(r.statusCode).toBe(400);
    }
    expect((await victim.get(basketId)).json().product_items[0].c_colour).toBeUndefined();
  });
});

function camel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camel);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), camel(v)]));
}
