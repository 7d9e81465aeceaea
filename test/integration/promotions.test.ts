/**
 * Promotions through the API: campaigns (order level, product level, minimum, window, priority,
 * exclusive), coupon codes with every status_code, free shipping. Each test runs on a site of its own,
 * so its campaigns touch no other test's baskets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let A: string; // 100.00, tax 0.2
let B: string; // 50.00, tax 0.1
beforeAll(async () => {
  h = await startHarness();
  A = `${h.tag}-A`;
  B = `${h.tag}-B`;
  await seedProducts(h, [
    { sku: A, price: '100.00', tax_rate: '0.2' },
    { sku: B, price: '50.00', tax_rate: '0.1' },
  ]);
});
afterAll(async () => h?.close());

const admin = async (method: 'PUT' | 'GET', url: string, payload?: object) => {
  const r = await h.app.inject({ method, url, headers: h.adminHeaders, ...(payload ? { payload } : {}) });
  return r;
};
let sites = 0;
async function newSite(): Promise<{ site: string; base: string }> {
  const site = `${h.tag}-s${++sites}`;
  expect((await admin('PUT', `/admin/sites/${site}`, { currency: 'USD', price_list: 'default', stock_list: 'default' })).statusCode).toBe(200);
  return { site, base: `/s/${site}/dw/shop/v23_2/baskets` };
}
async function promotion(code: string, body: object): Promise<void> {
  const r = await admin('PUT', `/admin/promotions/${code}`, body);
  expect(r.statusCode, r.body).toBe(200);
}
/** A basket on `base` holding A×1 and B×2 (product total 200.00). */
async function basketAB(s: Shopper, base: string): Promise<string> {
  const id = (await s.request('POST', base, {})).json().basket_id as string;
  const r = await s.request('POST', `${base}/${id}/items`, [
    { product_id: A, quantity: 1 },
    { product_id: B, quantity: 2 },
  ]);
  expect(r.statusCode, r.body).toBe(200);
  return id;
}

describe('campaigns', () => {
  it('an order-level percentage campaign is spread over the lines and taxed after the discount', async () => {
    const { site, base } = await newSite();
    await promotion(`${h.tag}-TEN`, { kind: 'campaign', name: 'Ten off everything', site, discount: { type: 'percentage', value: '10' } });
    const s = new Shopper(h);
    const doc = (await s.request('GET', `${base}/${await basketAB(s, base)}`)).json();
    // 200.00 × 10% = 20.00, spread 100:100 → 10.00 each. A: 90.00, tax 90 × 0.2 / 1.2 = 15.00;
    // B: 90.00, tax 90 × 0.1 / 1.1 = 8.1818… → 8.18. Tax total 23.18, order total 180.00.
    expect(doc.product_sub_total).toBe(200);
    expect(doc.product_total).toBe(180);
    expect(doc.order_price_adjustments).toEqual([
      expect.objectContaining({
        price: -20,
        promotion_id: `${h.tag}-TEN`,
        manual: false,
        item_text: 'Ten off everything',
        applied_discount: expect.objectContaining({ type: 'percentage', percentage: 10 }),
      }),
    ]);
    // OCAPI's item `tax` is before discounts (100 × 0.2 / 1.2 = 16.67; 100 × 0.1 / 1.1 = 9.09, adding up
    // to merchandize_total_tax), `adjusted_tax` after them.
    expect(
      doc.product_items.map((i: { price_after_order_discount: number; tax: number; adjusted_tax: number }) => [
        i.price_after_order_discount,
        i.tax,
        i.adjusted_tax,
      ]),
    ).toEqual([
      [90, 16.67, 15],
      [90, 9.09, 8.18],
    ]);
    expect(doc.merchandize_total_tax).toBe(25.76);
    expect(doc.adjusted_merchandize_total_tax).toBe(23.18);
    expect(doc.tax_total).toBe(23.18);
    expect(doc.order_total).toBe(180);
  });

  it('a product-level amount campaign takes its amount off each unit of the listed SKUs only', async () => {
    const { site, base } = await newSite();
    await promotion(`${h.tag}-BFIVE`, { kind: 'campaign', name: 'B: 5 off each', site, skus: [B], discount: { type: 'amount', value: '5.00' } });
    const s = new Shopper(h);
    const doc = (await s.request('GET', `${base}/${await basketAB(s, base)}`)).json();
    // B × 2: 100.00 − 2 × 5.00 = 90.00; A untouched. Subtotal 190.00.
    const [a, b] = doc.product_items;
    expect(a.price_adjustments).toEqual([]);
    expect(b.price_adjustments).toEqual([expect.objectContaining({ price: -10, promotion_id: `${h.tag}-BFIVE`, manual: false })]);
    expect(b.price_after_item_discount).toBe(90);
    expect(doc.product_sub_total).toBe(190);
    expect(doc.order_total).toBe(190);
  });

  it('applies item-level discounts before order-level ones', async () => {
    const { site, base } = await newSite();
    await promotion(`${h.tag}-A10`, { kind: 'campaign', name: 'A 10%', site, skus: [A], discount: { type: 'percentage', value: '10' }, priority: 5 });
    await promotion(`${h.tag}-O19`, { kind: 'campaign', name: '19 off the order', site, discount: { type: 'amount', value: '19.00' }, priority: 1 });
    const s = new Shopper(h);
    const doc = (await s.request('GET', `${base}/${await basketAB(s, base)}`)).json();
    // A: 100 − 10% = 90.00 first (even though the order campaign has the better priority). Subtotal 190.00.
    // 19.00 spread 90:100 → 9.00 and 10.00. A 81.00 (tax 13.50), B 90.00 (tax 8.18). Total 171.00.
    expect(doc.product_sub_total).toBe(190);
    expect(doc.product_items.map((i: { price_after_order_discount: number }) => i.price_after_order_discount)).toEqual([81, 90]);
    expect(doc.product_total).toBe(171);
    expect(doc.tax_total).toBe(21.68);
  });

  it('honours the minimum basket amount and the validity window', async () => {
    const { site, base } = await newSite();
    await promotion(`${h.tag}-MIN`, { kind: 'campaign', name: 'Over 250', site, min_amount: '250', discount: { type: 'amount', value: '25' } });
    await promotion(`${h.tag}-PAST`, { kind: 'campaign', name: 'Ended', site, ends_at: '2020-01-01T00:00:00Z', discount: { type: 'percentage', value: '50' } });
    await promotion(`${h.tag}-FUTURE`, {
      kind: 'campaign',
      name: 'Not yet',
      site,
      starts_at: '2999-01-01T00:00:00Z',
      discount: { type: 'percentage', value: '50' },
    });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    expect((await s.request('GET', `${base}/${id}`)).json().order_price_adjustments).toEqual([]);
    // 200 + 100 = 300 ≥ 250: the minimum is met now.
    const doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: A, quantity: 1 }])).json();
    expect(doc.order_price_adjustments.map((a: { promotion_id: string }) => a.promotion_id)).toEqual([`${h.tag}-MIN`]);
    expect(doc.product_total).toBe(275);
  });

  it('an exclusive promotion that qualifies applies alone; stackable ones combine in priority order', async () => {
    const { site, base } = await newSite();
    await promotion(`${h.tag}-S1`, { kind: 'campaign', name: 'Stack 1', site, discount: { type: 'amount', value: '10' }, priority: 1 });
    await promotion(`${h.tag}-S2`, { kind: 'campaign', name: 'Stack 2', site, discount: { type: 'amount', value: '5' }, priority: 2 });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    let doc = (await s.request('GET', `${base}/${id}`)).json();
    expect(doc.order_price_adjustments.map((a: { promotion_id: string; price: number }) => [a.promotion_id, a.price])).toEqual([
      [`${h.tag}-S1`, -10],
      [`${h.tag}-S2`, -5],
    ]);
    expect(doc.product_total).toBe(185);
    // An exclusive campaign needing 300: not met yet, so the stackable ones still apply.
    await promotion(`${h.tag}-X`, {
      kind: 'campaign',
      name: 'Exclusive 30%',
      site,
      discount: { type: 'percentage', value: '30' },
      exclusive: true,
      priority: 9,
      min_amount: '300',
    });
    doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: B, quantity: 1 }])).json();
    // 250 < 300: S1 and S2 → 235.
    expect(doc.product_total).toBe(235);
    doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: B, quantity: 1 }])).json();
    // 300 ≥ 300: the exclusive one alone: 300 × 70% = 210.
    expect(doc.order_price_adjustments.map((a: { promotion_id: string }) => a.promotion_id)).toEqual([`${h.tag}-X`]);
    expect(doc.product_total).toBe(210);
  });
});

describe('coupons', () => {
  it('reports every status_code, and only an applied coupon changes the totals', async () => {
    const { site, base } = await newSite();
    const other = await newSite();
    const t = h.tag;
    await promotion(`${t}-OK`, { kind: 'coupon', name: 'Ten percent', site, discount: { type: 'percentage', value: '10' } });
    await promotion(`${t}-BIG`, { kind: 'coupon', name: 'Big spender', site, min_amount: '1000', discount: { type: 'amount', value: '50' } });
    await promotion(`${t}-OFF`, { kind: 'coupon', name: 'Disabled', site, enabled: false, discount: { type: 'amount', value: '50' } });
    await promotion(`${t}-LIM`, { kind: 'coupon', name: 'Used up', site, redemption_limit: 5, redeemed: 5, discount: { type: 'amount', value: '50' } });
    await promotion(`${t}-OLD`, { kind: 'coupon', name: 'Expired', site, ends_at: '2020-01-01T00:00:00Z', discount: { type: 'amount', value: '50' } });
    await promotion(`${t}-ELSE`, { kind: 'coupon', name: 'Other site', site: other.site, discount: { type: 'amount', value: '50' } });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    const statuses: Record<string, [string, boolean]> = {
      [`${t}-OK`]: ['applied', true],
      [`${t}-BIG`]: ['no_applicable_promotion', true],
      [`${t}-OFF`]: ['coupon_disabled', false],
      [`${t}-LIM`]: ['redemption_limit_exceeded', false],
      [`${t}-OLD`]: ['timeframe_invalid', false],
      [`${t}-ELSE`]: ['coupon_code_unknown', false],
      [`${t}-NOPE`]: ['coupon_code_unknown', false],
    };
    let doc: any;
    for (const code of Object.keys(statuses)) {
      const r = await s.request('POST', `${base}/${id}/coupons`, { code });
      expect(r.statusCode, r.body).toBe(200);
      doc = r.json();
    }
    expect(Object.fromEntries(doc.coupon_items.map((c: { code: string; status_code: string; valid: boolean }) => [c.code, [c.status_code, c.valid]]))).toEqual(
      statuses,
    );
    // Only the 10% coupon: 200 − 20 = 180.
    expect(doc.order_price_adjustments).toEqual([expect.objectContaining({ promotion_id: `${t}-OK`, coupon_code: `${t}-OK`, price: -20 })]);
    expect(doc.product_total).toBe(180);

    // Removing it takes its discount away.
    const ok = doc.coupon_items.find((c: { code: string }) => c.code === `${t}-OK`);
    const removed = await s.request('DELETE', `${base}/${id}/coupons/${ok.coupon_item_id}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().product_total).toBe(200);
    expect(removed.json().coupon_items).toHaveLength(6);
  });

  it('codes are case-insensitive: entered, refused as duplicates, and edited in any case', async () => {
    const { site, base } = await newSite();
    const code = `${h.tag}-Case10`;
    await promotion(code, { kind: 'coupon', name: 'Case', site, discount: { type: 'percentage', value: '10' } });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    const doc = (await s.request('POST', `${base}/${id}/coupons`, { code: code.toLowerCase() })).json();
    expect(doc.coupon_items[0]).toEqual(expect.objectContaining({ code: code.toLowerCase(), status_code: 'applied' }));
    expect(doc.product_total).toBe(180);
    expect((await s.request('POST', `${base}/${id}/coupons`, { code: code.toUpperCase() })).statusCode).toBe(400);
    // The admin edits it under another spelling: the same promotion, its code as first written.
    await promotion(code.toUpperCase(), { kind: 'coupon', name: 'Case (edited)', site, discount: { type: 'percentage', value: '20' } });
    expect((await admin('GET', `/admin/promotions/${code.toLowerCase()}`)).json()).toMatchObject({ code, name: 'Case (edited)' });
    const again = (await s.request('POST', `${base}/${id}/items`, [{ product_id: A, quantity: 1 }])).json();
    expect(again.product_total).toBe(240);
  });

  it('a coupon becomes applied once its promotion qualifies, and when the admin re-enables it', async () => {
    const { site, base } = await newSite();
    const code = `${h.tag}-LATER`;
    await promotion(code, { kind: 'coupon', name: 'Later', site, min_amount: '300', discount: { type: 'amount', value: '30' } });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    expect((await s.request('POST', `${base}/${id}/coupons`, { code })).json().coupon_items[0].status_code).toBe('no_applicable_promotion');
    const doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: A, quantity: 1 }])).json();
    expect(doc.coupon_items[0]).toEqual(expect.objectContaining({ status_code: 'applied', valid: true }));
    expect(doc.product_total).toBe(270);
  });

  it('refuses the same code twice (400) and an unknown coupon item id (404), changing nothing', async () => {
    const { site, base } = await newSite();
    const code = `${h.tag}-TWICE`;
    await promotion(code, { kind: 'coupon', name: 'Twice', site, discount: { type: 'amount', value: '1' } });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    expect((await s.request('POST', `${base}/${id}/coupons`, { code })).statusCode).toBe(200);
    const again = await s.request('POST', `${base}/${id}/coupons`, { code });
    expect(again.statusCode).toBe(400);
    expect(again.json().fault.type).toBe('DuplicateCouponCodeException');
    const missing = await s.request('DELETE', `${base}/${id}/coupons/nope`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().fault.type).toBe('CouponItemNotFoundException');
    const bad = await s.request('POST', `${base}/${id}/coupons`, { code: 'has space' });
    expect(bad.statusCode).toBe(400);
    const doc = (await s.request('GET', `${base}/${id}`)).json();
    expect(doc.coupon_items).toHaveLength(1);
    expect(doc.product_total).toBe(199);
  });

  it('a free-shipping coupon zeroes the shipment: shipping tax before adjustments stays, after is zero', async () => {
    const { site, base } = await newSite();
    expect((await admin('PUT', `/admin/sites/${site}/shipping-methods/std`, { name: 'Standard', price: '10.00', tax_rate: '0.2' })).statusCode).toBe(200);
    const code = `${h.tag}-SHIP`;
    await promotion(code, { kind: 'coupon', name: 'Free shipping', site, discount: { type: 'free_shipping' } });
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    await s.request('POST', `${base}/${id}/items`, [{ product_id: A, quantity: 1 }]);
    const before = (await s.request('PUT', `${base}/${id}/shipments/me/shipping_method`, { id: 'std' })).json();
    // 100 + 10 = 110; tax 16.67 + 1.67 = 18.34.
    expect([before.shipping_total, before.shipping_total_tax, before.tax_total, before.order_total]).toEqual([10, 1.67, 18.34, 110]);
    const doc = (await s.request('POST', `${base}/${id}/coupons`, { code })).json();
    expect(doc.coupon_items[0].status_code).toBe('applied');
    // Shipping 10.00 − 10.00 = 0; its tax before adjustments 10 × 0.2 / 1.2 = 1.67, after 0.
    expect(doc.shipping_total).toBe(0);
    expect(doc.shipping_total_tax).toBe(1.67);
    expect(doc.adjusted_shipping_total_tax).toBe(0);
    expect(doc.tax_total).toBe(16.67);
    expect(doc.order_total).toBe(100);
    expect(doc.grouped_tax_items).toEqual([{ _type: 'grouped_tax_item', tax_rate: 0.2, tax_value: 16.67 }]);
    expect(doc.shipping_items[0].price_adjustments).toEqual([expect.objectContaining({ price: -10, promotion_id: code, coupon_code: code })]);
  });
});

describe('PUT /admin/promotions/{code}', () => {
  it('answers the stored promotion, and GET reads it back', async () => {
    const code = `${h.tag}-DOC`;
    const body = { kind: 'coupon', name: 'Doc', discount: { type: 'percentage', value: '12.5' }, redemption_limit: 3 };
    const put = await admin('PUT', `/admin/promotions/${code}`, body);
    expect(put.json()).toEqual(
      expect.objectContaining({
        code,
        kind: 'coupon',
        site: null,
        enabled: true,
        discount: { type: 'percentage', value: '12.5' },
        redemption_limit: 3,
        redeemed: 0,
      }),
    );
    expect((await admin('GET', `/admin/promotions/${code}`)).json()).toEqual(put.json());
    expect((await admin('GET', `/admin/promotions/${h.tag}-missing`)).statusCode).toBe(404);
  });

  it.each([
    ['a percentage over 100', { kind: 'campaign', name: 'x', discount: { type: 'percentage', value: '101' } }],
    ['an amount without value', { kind: 'campaign', name: 'x', discount: { type: 'amount' } }],
    ['free shipping on SKUs', { kind: 'coupon', name: 'x', skus: ['a'], discount: { type: 'free_shipping' } }],
    [
      'a window ending before it starts',
      { kind: 'campaign', name: 'x', starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z', discount: { type: 'amount', value: '1' } },
    ],
    ['a redemption limit on a campaign', { kind: 'campaign', name: 'x', redemption_limit: 1, discount: { type: 'amount', value: '1' } }],
    ['an unknown field', { kind: 'campaign', name: 'x', discount: { type: 'amount', value: '1' }, colour: 'red' }],
  ])('refuses %s with 400 and stores nothing', async (_what, body) => {
    const code = `${h.tag}-bad-${Math.random().toString(36).slice(2, 8)}`;
    expect((await admin('PUT', `/admin/promotions/${code}`, body)).statusCode).toBe(400);
    expect((await admin('GET', `/admin/promotions/${code}`)).statusCode).toBe(404);
  });

  it('counts reported redemptions atomically; at the limit a coupon stops applying', async () => {
    const { site, base } = await newSite();
    const code = `${h.tag}-LIMITED`;
    await promotion(code, { kind: 'coupon', name: 'Limited', site, redemption_limit: 20, discount: { type: 'amount', value: '5' } });
    const s = new Shopper(h);
    const id = await basketAB(s, base);
    expect((await s.request('POST', `${base}/${id}/coupons`, { code })).json().coupon_items[0].status_code).toBe('applied');
    // 20 orders reported at once by concurrent callers: every one counts.
    const reports = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.app.inject({ method: 'POST', url: `/admin/promotions/${code}/redemptions`, headers: h.adminHeaders, payload: { count: 1 } }),
      ),
    );
    expect(reports.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect((await admin('GET', `/admin/promotions/${code}`)).json().redeemed).toBe(20);
    // Editing the promotion keeps the count unless the PUT names one.
    await promotion(code, { kind: 'coupon', name: 'Limited (renamed)', site, redemption_limit: 20, discount: { type: 'amount', value: '5' } });
    expect((await admin('GET', `/admin/promotions/${code}`)).json()).toMatchObject({ name: 'Limited (renamed)', redeemed: 20 });
    const doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: A, quantity: 1 }])).json();
    expect(doc.coupon_items[0]).toEqual(expect.objectContaining({ status_code: 'redemption_limit_exceeded', valid: false }));
    expect(doc.product_total).toBe(300);
    expect(
      (await h.app.inject({ method: 'POST', url: `/admin/promotions/${h.tag}-nope/redemptions`, headers: h.adminHeaders, payload: { count: 1 } })).statusCode,
    ).toBe(404);
    expect(
      (await h.app.inject({ method: 'POST', url: `/admin/promotions/${code}/redemptions`, headers: h.adminHeaders, payload: { count: 0 } })).statusCode,
    ).toBe(400);
  });

  it('answers 404 for a promotion on a site that does not exist', async () => {
    expect(
      (
        await admin('PUT', `/admin/promotions/${h.tag}-nosite`, {
          kind: 'campaign',
          name: 'x',
          site: `${h.tag}-nosite`,
          discount: { type: 'amount', value: '1' },
        })
      ).statusCode,
    ).toBe(404);
  });
});
