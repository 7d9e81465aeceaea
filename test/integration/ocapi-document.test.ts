/**
 * The OCAPI Basket document against the seed (shared/seeds/004…, copied to test/fixtures so a clone
 * alone runs the test): every property the seed lists is
 * present on a basket that has everything set, with the types the seed gives, plus the README's item,
 * coupon and flash fields.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

const SEED = fileURLToPath(new URL('../fixtures/ocapi-23.2-basket-document.txt', import.meta.url));

/** `name Type …` rows of the seed's property table. */
function seedProperties(): Map<string, string> {
  const text = readFileSync(SEED, 'utf8');
  const table = text.slice(text.indexOf('Property Type Constraints Description'));
  const out = new Map<string, string>();
  for (const line of table.split('\n').slice(1)) {
    const m = /^([a-z_]+) (\[?[A-Za-z]+\]?|Enum|boolean|String|Decimal|Date)\b/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-doc`;
  await seedProducts(h, [{ sku, price: '25.00', tax_rate: '0.2' }]);
  expect((await h.app.inject({ method: 'PUT', url: '/admin/sites/default/shipping-methods/doc-std', headers: h.adminHeaders, payload: { name: 'Std', price: '5', tax_rate: '0.2' } })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

describe('OCAPI Basket document', () => {
  it('has every property of the seed, typed as the seed says', async () => {
    const props = seedProperties();
    expect(props.size).toBeGreaterThanOrEqual(30);
    const s = new Shopper(h);
    const id = await s.createBasket();
    const address = { first_name: 'Ada', last_name: 'Lovelace', address1: '1 Main St', city: 'Boston', postal_code: '02110', country_code: 'US' };
    await s.addItems(id, [{ product_id: sku, quantity: 2 }]);
    await s.request('POST', `${OCAPI}/baskets/${id}/coupons`, { code: `${h.tag}-none` });
    await s.request('PUT', `${OCAPI}/baskets/${id}/customer`, { email: 'ada@example.com' });
    await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, address);
    await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_address`, address);
    await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_method`, { id: 'doc-std' });
    await s.request('POST', `${OCAPI}/baskets/${id}/payment_instruments`, { payment_method_id: 'CREDIT_CARD' });
    await s.request('PATCH', `${OCAPI}/baskets/${id}`, { source_code: 'NEWSLETTER', c_channel: 'web' });
    const doc = (await s.get(id)).json();

    const missing = [...props.keys()].filter((p) => !(p in doc));
    expect(missing).toEqual([]);
    for (const [name, type] of props) {
      const v = doc[name];
      const want = type.startsWith('[') ? 'array' : type === 'Decimal' ? 'number' : type === 'boolean' ? 'boolean' : type === 'String' || type === 'Date' || type === 'Enum' ? 'string' : 'object';
      expect(Array.isArray(v) ? 'array' : typeof v, name).toBe(want);
    }
    expect(doc).toMatchObject({ _v: '23.2', _type: 'basket', _resource_state: expect.any(String), c_channel: 'web', taxation: 'gross', channel_type: 'storefront' });
    expect(Object.keys(doc.product_items[0])).toEqual(
      expect.arrayContaining(['item_id', 'product_id', 'product_name', 'quantity', 'base_price', 'price', 'price_after_item_discount', 'price_after_order_discount', 'tax_rate', 'tax', 'price_adjustments']),
    );
    expect(doc.coupon_items[0]).toEqual({ _type: 'coupon_item', code: `${h.tag}-none`, coupon_item_id: expect.any(String), status_code: 'coupon_code_unknown', valid: false });
    expect(doc.shipping_items[0]).toMatchObject({ _type: 'shipping_item', shipment_id: 'me', price: 5, tax: 0.83, price_adjustments: [] });
    // The notes link leads somewhere.
    const notes = await s.request('GET', `${OCAPI}${doc.notes.link}`);
    expect(notes.statusCode).toBe(200);
    expect(notes.json()).toEqual({ _v: '23.2', _type: 'notes_result', notes: [] });
    // Everything checkout needs is given (an unknown coupon code blocks nothing): no flash.
    expect(doc.flash).toBeUndefined();
  });
});
