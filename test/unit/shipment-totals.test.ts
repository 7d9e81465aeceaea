/**
 * Hand-worked totals for baskets of two and three shipments: each shipment's method quotes its own
 * products (`free_over` on that shipment's product total), free shipping applies per shipment, tax joins
 * the rate groups and is split so the shipments' figures add up to the basket's. Every figure below was
 * worked out by hand (the working is in the comments).
 */
import { describe, expect, it } from 'vitest';
import { Money } from '../../src/domain/money.js';
import { priceBasket, type PricedShipment } from '../../src/domain/totals.js';
import type { BasketLine, CatalogEntry, PriceAdjustment, PricingPolicy, Promotion, ShippingMethod } from '../../src/domain/types.js';

const entry = (sku: string, price: string, rate: string): CatalogEntry => ({
  sku,
  pk: 1,
  name: sku,
  taxRate: new Money(rate),
  online: true,
  image: null,
  price: new Money(price),
  retailPrice: null,
});
const line = (itemId: string, sku: string, quantity: number, position: number): BasketLine => ({
  itemId,
  sku,
  quantity,
  addedUnitPrice: null,
  position,
  attributes: {},
  custom: {},
});
const method = (id: string, price: string, freeOver: string | null): ShippingMethod => ({
  id,
  name: id,
  price: new Money(price),
  taxRate: new Money('0.2'),
  freeOver: freeOver === null ? null : new Money(freeOver),
});
const choice = (m: ShippingMethod) => ({ selectedId: m.id, method: m });
const freeShipping: Promotion = {
  code: 'FREESHIP',
  kind: 'campaign',
  name: 'Free shipping',
  enabled: true,
  startsAt: null,
  endsAt: null,
  discountType: 'free_shipping',
  discountValue: new Money(0),
  skus: null,
  minAmount: null,
  priority: 0,
  exclusive: false,
  redemptionLimit: null,
  redeemed: 0,
};

/** A shipment's figures as text, in a fixed order. */
const row = (s: PricedShipment) => [
  s.id,
  s.productSubTotal.toFixed(2),
  s.productTotal.toFixed(2),
  s.merchandizeTotalTax.toFixed(2),
  s.adjustedMerchandizeTotalTax.toFixed(2),
  s.shippingPrice.toFixed(2),
  s.shippingTotal.toFixed(2),
  s.shippingTotalTax.toFixed(2),
  s.adjustedShippingTotalTax.toFixed(2),
  s.taxTotal.toFixed(2),
  s.shipmentTotal.toFixed(2),
];

describe('totals of two shipments (gross, USD)', () => {
  // a: 30.00 × 1 at 20 % in `me`; b: 8.00 × 2 at 20 % and c: 64.00 × 1 at 8 % in `s2`. Standard costs
  // 5.00 (20 %), free from 50.00 — on each shipment's own products: `me` has 30.00 (pays), `s2` 80.00
  // (free). One shipment of all 110.00 would ship free.
  const catalog = new Map([
    ['A', entry('A', '30.00', '0.2')],
    ['B', entry('B', '8.00', '0.2')],
    ['C', entry('C', '64.00', '0.08')],
  ]);
  const lines = [line('a', 'A', 1, 0), line('b', 'B', 2, 1), line('c', 'C', 1, 2)];
  const standard = method('standard', '5.00', '50.00');
  const price = (policy: PricingPolicy, promotions: Promotion[] = []) =>
    priceBasket({
      lines,
      catalog,
      policy,
      shipping: choice(standard),
      shipments: [{ id: 's2', itemIds: ['b', 'c'], shipping: choice(standard) }],
      offers: { promotions, coupons: [], externalOfferCode: null, now: new Date('2026-12-03T10:00:00Z') },
    });

  it.each([false, true])('per shipment: free_over on its own products, tax split (rounded at group: %s)', (taxRoundedAtGroup) => {
    const p = price({ currency: 'USD', taxation: 'gross', taxRoundedAtGroup, roundingMode: 'half_up' });
    // Gross tax = amount × r / (1 + r): a 30 × .2/1.2 = 5.00; b 16 × .2/1.2 = 2.666… → 2.67; c 64 × .08/1.08
    // = 4.7407… → 4.74; `me`'s shipping 5 × .2/1.2 = 0.833… → 0.83. Rounded per group the same here:
    // `me` products 5.00; + `s2`'s: 20 % group 7.666… → 7.67, 8 % 4.74 → 12.41, so `s2` adds 7.41; + the
    // shipping: 20 % 8.50, total 13.24, so it adds 0.83.
    expect(p.shipments.map(row)).toEqual([
      ['me', '30.00', '30.00', '5.00', '5.00', '5.00', '5.00', '0.83', '0.83', '5.83', '35.00'],
      ['s2', '80.00', '80.00', '7.41', '7.41', '0.00', '0.00', '0.00', '0.00', '7.41', '80.00'],
    ]);
    const t = p.totals;
    expect([t.productTotal, t.shippingTotal, t.taxTotal, t.orderTotal].map((m) => m.toFixed(2))).toEqual(['110.00', '5.00', '13.24', '115.00']);
    expect(t.groupedTaxItems.map((g) => [g.taxRate.toString(), g.taxValue.toFixed(2)])).toEqual([
      ['0.08', '4.74'],
      ['0.2', '8.50'],
    ]);
    // The default shipment's method as single-shipment readers see it.
    expect([p.shipping?.method.id, p.shipping?.price.toFixed(2)]).toEqual(['standard', '5.00']);
  });

  it('free shipping applies per shipment: only `me` is charged, so only `me` gets the adjustment', () => {
    const p = price({ currency: 'USD', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up' }, [freeShipping]);
    // `me`: price 5.00 stays, its total goes to 0; its tax before the adjustment is 0.83, after it 0.
    expect(p.shipments.map(row)).toEqual([
      ['me', '30.00', '30.00', '5.00', '5.00', '5.00', '0.00', '0.83', '0.00', '5.00', '30.00'],
      ['s2', '80.00', '80.00', '7.41', '7.41', '0.00', '0.00', '0.00', '0.00', '7.41', '80.00'],
    ]);
    expect(p.shipments.map((s) => s.shippingAdjustments.map((a) => [a.adjustment.id, a.amount.toFixed(2)]))).toEqual([
      [['promo-FREESHIP-shipping', '5.00']],
      [],
    ]);
    expect(p.promotionTotals.map((x) => [x.code, x.amount.toFixed(2)])).toEqual([['FREESHIP', '5.00']]);
    expect([p.totals.shippingTotal, p.totals.taxTotal, p.totals.orderTotal].map((m) => m.toFixed(2))).toEqual(['0.00', '12.41', '110.00']);
  });
});

describe('totals of three shipments (net, USD, tax rounded at group, half_even)', () => {
  // a: 10.00 × 3 at 20 % in `me`; b: 7.00 × 1 at 20 % in `s2`; c: 5.00 × 1 at 8 % in `s3`; an agent's
  // 10 % order discount. Methods: `me` Standard 5.00; `s2` Express 15.00 free from 6.00; `s3` Standard 5.00.
  const catalog = new Map([
    ['A', entry('A', '10.00', '0.2')],
    ['B', entry('B', '7.00', '0.2')],
    ['C', entry('C', '5.00', '0.08')],
  ]);
  const lines = [line('a', 'A', 3, 0), line('b', 'B', 1, 1), line('c', 'C', 1, 2)];
  const tenOff: PriceAdjustment = {
    id: 'o1',
    level: 'order',
    itemId: null,
    type: 'percentage',
    value: new Money(10),
    reasonCode: null,
    itemText: null,
    createdBy: 'agent',
  };
  const policy: PricingPolicy = { currency: 'USD', taxation: 'net', taxRoundedAtGroup: true, roundingMode: 'half_even' };
  const standard = method('standard', '5.00', null);
  const price = (promotions: Promotion[] = []) =>
    priceBasket({
      lines,
      catalog,
      policy,
      shipping: choice(standard),
      shipments: [
        { id: 's2', itemIds: ['b'], shipping: choice(method('express', '15.00', '6.00')) },
        { id: 's3', itemIds: ['c'], shipping: choice(standard) },
      ],
      adjustments: [tenOff],
      offers: { promotions, coupons: [], externalOfferCode: null, now: new Date('2026-12-03T10:00:00Z') },
    });

  it('each shipment priced on its own lines; the three add up to the basket', () => {
    const p = price();
    // Subtotal 42.00; 10 % = 4.20 spread by price: 3.00 / 0.70 / 0.50 → a 27.00, b 6.30, c 4.50.
    // `s2`'s 6.30 reaches Express's 6.00: free. Net tax, rounded per group, in shipment order:
    //   products: `me` 27 × .2 = 5.40; + `s2` 6.30 × .2 = 1.26 (20 % group 6.66); + `s3` 4.50 × .08 = 0.36;
    //   shipping: `me` 5 × .2 = 1.00 (20 % group 7.66); `s3` 5 × .2 = 1.00 (8.66). Tax total 8.66 + 0.36 = 9.02.
    //   Before discounts: 30 × .2 = 6.00, 7 × .2 = 1.40, 5 × .08 = 0.40.
    // Shipment totals (net: products + shipping + tax): 27 + 5 + 6.40 = 38.40; 6.30 + 1.26 = 7.56;
    // 4.50 + 5 + 1.36 = 10.86 — together 56.82, the order total (37.80 + 10.00 + 9.02).
    expect(p.shipments.map(row)).toEqual([
      ['me', '30.00', '27.00', '6.00', '5.40', '5.00', '5.00', '1.00', '1.00', '6.40', '38.40'],
      ['s2', '7.00', '6.30', '1.40', '1.26', '0.00', '0.00', '0.00', '0.00', '1.26', '7.56'],
      ['s3', '5.00', '4.50', '0.40', '0.36', '5.00', '5.00', '1.00', '1.00', '1.36', '10.86'],
    ]);
    const t = p.totals;
    expect(
      [
        t.productSubTotal,
        t.productTotal,
        t.merchandizeTotalTax,
        t.adjustedMerchandizeTotalTax,
        t.shippingTotal,
        t.shippingTotalTax,
        t.taxTotal,
        t.orderTotal,
      ].map((m) => m.toFixed(2)),
    ).toEqual(['42.00', '37.80', '7.80', '7.02', '10.00', '2.00', '9.02', '56.82']);
    expect(t.groupedTaxItems.map((g) => [g.taxRate.toString(), g.taxValue.toFixed(2)])).toEqual([
      ['0.08', '0.36'],
      ['0.2', '8.66'],
    ]);
  });

  it('free shipping: one adjustment per charged shipment, each with its own id', () => {
    const p = price([freeShipping]);
    // `me` and `s3` each lose 5.00 (their tax before the adjustment stays 1.00 each); `s2` was free already.
    expect(p.shipments.map((s) => s.shippingAdjustments.map((a) => [a.adjustment.id, a.amount.toFixed(2)]))).toEqual([
      [['promo-FREESHIP-shipping', '5.00']],
      [],
      [['promo-FREESHIP-shipping-s3', '5.00']],
    ]);
    expect(p.promotionTotals.map((x) => [x.code, x.amount.toFixed(2)])).toEqual([['FREESHIP', '10.00']]);
    const t = p.totals;
    // Tax 7.02 (products only); order 37.80 + 7.02.
    expect([t.shippingTotal, t.shippingTotalTax, t.adjustedShippingTotalTax, t.taxTotal, t.orderTotal].map((m) => m.toFixed(2))).toEqual([
      '0.00',
      '2.00',
      '0.00',
      '7.02',
      '44.82',
    ]);
  });

  it('an empty shipment beside others ships nothing and costs nothing; alone, `me` is priced as always', () => {
    const p = priceBasket({
      lines,
      catalog,
      policy,
      shipping: choice(standard),
      shipments: [{ id: 'empty', itemIds: [], shipping: choice(standard) }],
    });
    expect(p.shipments.map((s) => [s.id, s.ships, s.shippingTotal.toFixed(2)])).toEqual([
      ['me', true, '5.00'],
      ['empty', false, '0.00'],
    ]);
    // An empty basket of one shipment still quotes its method (single-shipment behaviour kept).
    const alone = priceBasket({ lines: [], catalog, policy, shipping: choice(standard) });
    expect(alone.shipments.map((s) => [s.id, s.ships, s.shippingTotal.toFixed(2)])).toEqual([['me', true, '5.00']]);
  });
});
