/**
 * One basket — item and order promotions, a coupon, an agent's adjustment, shipping — read through
 * OCAPI, SCAPI and Akinon: every total and every line agrees across the three dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eventually, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

const site = `agree-${randomUUID().slice(0, 8)}`;
let h: Harness;
let A: string;
let B: string;
beforeAll(async () => {
  h = await startHarness({ AKINON_SITE: site });
  A = `${h.tag}-A`;
  B = `${h.tag}-B`;
  await seedProducts(h, [
    { sku: A, price: '19.99', tax_rate: '0.18' },
    { sku: B, price: '7.35', tax_rate: '0.08' },
  ]);
  const put = async (url: string, payload: object) => {
    const r = await h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
    expect(r.statusCode, r.body).toBe(200);
  };
  await put(`/admin/sites/${site}`, { currency: 'USD', price_list: 'default', stock_list: 'default', tax_rounded_at_group: true });
  await put(`/admin/sites/${site}/shipping-methods/std`, { name: 'Standard', price: '4.99', tax_rate: '0.18' });
  await put(`/admin/promotions/${h.tag}-A15`, { kind: 'campaign', name: 'A: 15% off', site, skus: [A], discount: { type: 'percentage', value: '15' } });
  await put(`/admin/promotions/${h.tag}-C`, { kind: 'coupon', name: 'Coupon 3.33', site, discount: { type: 'amount', value: '3.33' } });
});
afterAll(async () => h?.close());

describe('the same basket through OCAPI, SCAPI and Akinon', () => {
  it('agrees on every total and line', async () => {
    const customer = new Shopper(h);
    const ocapi = `/s/${site}/dw/shop/v23_2/baskets`;
    const id = (await customer.request('POST', ocapi, {})).json().basket_id as string;
    await customer.request('POST', `${ocapi}/${id}/items`, [
      { product_id: A, quantity: 3 },
      { product_id: B, quantity: 7 },
    ]);
    await customer.request('POST', `${ocapi}/${id}/coupons`, { code: `${h.tag}-C` });
    await customer.request('PUT', `${ocapi}/${id}/shipments/me/shipping_method`, { id: 'std' });
    const agent = new Shopper(h, `agent-${h.tag}`, 'agent');
    const adjusted = await agent.request('POST', `${ocapi}/${id}/price_adjustments`, { level: 'order', discount: { type: 'percentage', value: '5' } });
    expect(adjusted.statusCode, adjusted.body).toBe(200);

    const o = (await customer.request('GET', `${ocapi}/${id}`)).json();
    const s = (await customer.request('GET', `/checkout/shopper-baskets/v1/organizations/f_ecom_x/baskets/${id}?siteId=${site}`)).json();
    const a = (await customer.request('GET', '/baskets/basket/')).json().basket;

    // Sanity: the discounts really are there (item campaign, coupon, agent's 5%).
    expect(o.product_items[0].price_adjustments).toHaveLength(1);
    expect(o.order_price_adjustments).toHaveLength(2);

    // OCAPI and SCAPI: the same document in two spellings.
    const pairs: [string, string][] = [
      ['product_sub_total', 'productSubTotal'],
      ['product_total', 'productTotal'],
      ['merchandize_total_tax', 'merchandizeTotalTax'],
      ['adjusted_merchandize_total_tax', 'adjustedMerchandizeTotalTax'],
      ['shipping_total', 'shippingTotal'],
      ['shipping_total_tax', 'shippingTotalTax'],
      ['adjusted_shipping_total_tax', 'adjustedShippingTotalTax'],
      ['tax_total', 'taxTotal'],
      ['order_total', 'orderTotal'],
    ];
    for (const [snake, camel] of pairs) expect(s[camel], camel).toBe(o[snake]);
    expect(s.groupedTaxItems).toEqual(
      o.grouped_tax_items.map((g: { tax_rate: number; tax_value: number }) => ({ taxRate: g.tax_rate, taxValue: g.tax_value })),
    );
    expect(
      s.productItems.map((i: { priceAfterOrderDiscount: number; tax: number; adjustedTax: number }) => [i.priceAfterOrderDiscount, i.tax, i.adjustedTax]),
    ).toEqual(
      o.product_items.map((i: { price_after_order_discount: number; tax: number; adjusted_tax: number }) => [
        i.price_after_order_discount,
        i.tax,
        i.adjusted_tax,
      ]),
    );
    expect(s.couponItems).toEqual([{ code: `${h.tag}-C`, couponItemId: o.coupon_items[0].coupon_item_id, statusCode: 'applied', valid: true }]);

    // Akinon: strings, product totals without shipping; every figure equals OCAPI's.
    const cents = (n: number) => n.toFixed(2);
    const merchandise = o.product_items.reduce((t: number, i: { price: number }) => t + Math.round(i.price * 100), 0) / 100;
    expect(a.total_product_amount).toBe(cents(merchandise));
    expect(a.total_amount).toBe(cents(o.product_total));
    expect(a.total_discount_amount).toBe(cents(Math.round((merchandise - o.product_total) * 100) / 100));
    expect(a.total_quantity).toBe(10);
    expect(a.voucher_code).toBe(`${h.tag}-C`);
    expect(
      a.basketitem_set.map((i: { product: { sku: string }; quantity: number; discount_amount: string; tax_rate: string }) => [
        i.product.sku,
        i.quantity,
        i.discount_amount,
        i.tax_rate,
      ]),
    ).toEqual(
      o.product_items.map((i: { product_id: string; quantity: number; price: number; price_after_order_discount: number; tax_rate: number }) => [
        i.product_id,
        i.quantity,
        cents(Math.round((i.price - i.price_after_order_discount) * 100) / 100),
        (i.tax_rate * 100).toFixed(2),
      ]),
    );
    // Akinon's discounts list adds up to its total discount.
    const listed = a.discounts.reduce((t: number, d: { discount: string }) => t + Math.round(Number(d.discount) * 100), 0);
    expect(cents(listed / 100)).toBe(a.total_discount_amount);
  });

  it('leave a line the basket cannot hold out of every total alike (OCAPI flashes it, Akinon lists it apart)', async () => {
    const C = `${h.tag}-C`;
    await seedProducts(h, [{ sku: C, price: '40.00', tax_rate: '0.18', stock: 2 }]);
    const customer = new Shopper(h);
    const ocapi = `/s/${site}/dw/shop/v23_2/baskets`;
    const id = (await customer.request('POST', ocapi, {})).json().basket_id as string;
    await customer.request('POST', `${ocapi}/${id}/items`, [
      { product_id: A, quantity: 1 },
      { product_id: C, quantity: 2 },
    ]);
    // Stock falls below what the basket holds: on recalculation its line of C is short.
    expect(
      (await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku: C, quantity: 0 }] } }))
        .statusCode,
    ).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: '/admin/baskets/recalculate', headers: h.adminHeaders, payload: { skus: [C] } })).statusCode).toBe(202);
    const o = await eventually(async () => {
      const d = (await customer.request('GET', `${ocapi}/${id}`)).json();
      return d.flash?.some((f: { type: string }) => f.type === 'ProductItemNotAvailable') ? d : undefined;
    });
    const [a, c] = o.product_items;
    // A: 19.99 − 15% = 16.99 (the campaign); C counts in no total but shows its unit price.
    expect([c.base_price, c.price, c.price_after_order_discount, c.adjusted_tax]).toEqual([40, 0, 0, 0]);
    expect(o.product_sub_total).toBe(a.price_after_item_discount);
    const k = (await customer.request('GET', '/baskets/basket/')).json().basket;
    expect(k.basketitem_set.map((i: { product: { sku: string } }) => i.product.sku)).toEqual([A]);
    expect(
      k.unavailable_basket_products.map((i: { product: { sku: string }; reason: string; total_amount: string }) => [i.product.sku, i.reason, i.total_amount]),
    ).toEqual([[C, 'out_of_stock', '80.00']]);
    expect(k.total_amount).toBe(o.product_total.toFixed(2));
  });
});
