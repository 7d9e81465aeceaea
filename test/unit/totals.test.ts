import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money } from '../../src/domain/money.js';
import { priceBasket } from '../../src/domain/totals.js';
import type { BasketLine, CatalogEntry, PriceAdjustment, PricingPolicy } from '../../src/domain/types.js';

const m = (s: string) => new Money(s);
const entry = (sku: string, price: string | null, taxRate = '0.2', online = true): CatalogEntry => ({
  sku, pk: 1, name: sku, taxRate: m(taxRate), online, image: null, price: price === null ? null : m(price), retailPrice: null,
});
const line = (sku: string, quantity: number, position = 0): BasketLine => ({
  itemId: `i-${sku}-${position}`, sku, quantity, addedUnitPrice: null, position, attributes: {}, custom: {},
});
const usd = (over: Partial<PricingPolicy> = {}): PricingPolicy => ({ currency: 'USD', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up', ...over });

describe('priceBasket', () => {
  it.each([
    // name, policy, lines [sku, qty, price, rate], expected product_total, tax_total, order_total
    ['gross, one line', usd(), [['a', 3, '120.00', '0.18']], '360', '54.92', '360'], // 360×.18/1.18 = 54.915
    ['net, one line', usd({ taxation: 'net' }), [['a', 3, '120.00', '0.18']], '360', '64.8', '424.8'], // 360×.18
    ['gross, two rates', usd(), [['a', 1, '10.00', '0.2'], ['b', 2, '5.00', '0.1']], '20', '2.58', '20'], // 1.666…→1.67; 0.909…→0.91
    ['net, JPY', usd({ currency: 'JPY', taxation: 'net' }), [['a', 1, '999', '0.1']], '999', '100', '1099'], // 99.9 → 100
    ['net, KWD', usd({ currency: 'KWD', taxation: 'net' }), [['a', 1, '1.005', '0.05']], '1.005', '0.05', '1.055'], // 0.05025 → 0.050
    ['gross, group rounding', usd({ taxRoundedAtGroup: true }), [['a', 1, '0.50', '0.2'], ['b', 1, '0.50', '0.2']], '1', '0.17', '1'], // 0.0833…×2 = .1666 → .17
    ['gross, line rounding', usd(), [['a', 1, '0.50', '0.2'], ['b', 1, '0.50', '0.2']], '1', '0.16', '1'], // .08 + .08
  ] as const)('%s', (_name, policy, rows, productTotal, taxTotal, orderTotal) => {
    const catalog = new Map(rows.map(([sku, , price, rate]) => [sku, entry(sku, price, rate)]));
    const p = priceBasket({ lines: rows.map(([sku, qty], i) => line(sku, qty, i)), catalog, policy });
    expect(p.totals.productTotal.toString()).toBe(productTotal);
    expect(p.totals.taxTotal.toString()).toBe(taxTotal);
    expect(p.totals.orderTotal.toString()).toBe(orderTotal);
    expect(p.flashes).toEqual([]);
  });

  it('flashes an offline or missing product and counts it in no total', () => {
    const catalog = new Map([['a', entry('a', '10.00')], ['off', entry('off', '5.00', '0.2', false)]]);
    const p = priceBasket({ lines: [line('a', 1, 0), line('off', 1, 1), line('gone', 1, 2)], catalog, policy: usd() });
    expect(p.flashes.map((f) => [f.type, f.path])).toEqual([
      ['InvalidProductItem', '$.product_items[1]'],
      ['InvalidProductItem', '$.product_items[2]'],
    ]);
    expect(p.totals.productTotal.toString()).toBe('10');
    expect(p.lines.map((l) => l.valid)).toEqual([true, false, false]);
  });

  it('flashes a product without a price', () => {
    const p = priceBasket({ lines: [line('a', 1)], catalog: new Map([['a', entry('a', null)]]), policy: usd() });
    expect(p.flashes[0]?.type).toBe('ProductItemWithoutPrice');
    expect(p.totals.orderTotal.isZero()).toBe(true);
  });
});

describe('priceBasket with a shipping method', () => {
  const method = (price: string, taxRate: string, freeOver: string | null = null) => ({ id: 'std', name: 'Standard', price: m(price), taxRate: m(taxRate), freeOver: freeOver === null ? null : m(freeOver) });
  const catalog = new Map([['a', entry('a', '100.00', '0.2')]]);

  it.each([
    // policy, shipping price, rate, free over, expected shipping, tax total, order total
    // gross: product tax 100×.2/1.2 = 16.666… → 16.67; shipping 5.99×.2/1.2 = 0.99833… → 1.00; order = 105.99
    ['gross', usd(), '5.99', '0.2', null, '5.99', '17.67', '105.99'],
    // net: product tax 20.00; shipping 5.99×.2 = 1.198 → 1.20; order = 100 + 5.99 + 21.20 = 127.19
    ['net', usd({ taxation: 'net' }), '5.99', '0.2', null, '5.99', '21.2', '127.19'],
    // free over 100: the product total reaches it, shipping is 0 and untaxed
    ['free over the threshold', usd(), '5.99', '0.2', '100', '0', '16.67', '100'],
    // a threshold not reached still charges
    ['below the threshold', usd(), '5.99', '0.2', '100.01', '5.99', '17.67', '105.99'],
  ] as const)('%s', (_name, policy, price, rate, freeOver, shippingTotal, taxTotal, orderTotal) => {
    const p = priceBasket({ lines: [line('a', 1)], catalog, policy, shipping: { selectedId: 'std', method: method(price, rate, freeOver) } });
    expect(p.totals.shippingTotal.toString()).toBe(shippingTotal);
    expect(p.totals.taxTotal.toString()).toBe(taxTotal);
    expect(p.totals.orderTotal.toString()).toBe(orderTotal);
    expect(p.totals.groupedTaxItems.reduce((t, g) => t.plus(g.taxValue), m('0')).toString()).toBe(taxTotal);
  });

  it('puts shipping tax in its own rate group when its rate differs', () => {
    const p = priceBasket({ lines: [line('a', 1)], catalog, policy: usd({ taxation: 'net' }), shipping: { selectedId: 'std', method: method('10.00', '0.1') } });
    expect(p.totals.groupedTaxItems.map((g) => [g.taxRate.toString(), g.taxValue.toString()])).toEqual([['0.1', '1'], ['0.2', '20']]);
    expect(p.totals.shippingTotalTax.toString()).toBe('1');
    expect(p.totals.adjustedMerchandizeTotalTax.toString()).toBe('20');
  });

  it('flashes a chosen method the site no longer has, and charges nothing for it', () => {
    const p = priceBasket({ lines: [line('a', 1)], catalog, policy: usd(), shipping: { selectedId: 'gone', method: null } });
    expect(p.flashes.map((f) => f.type)).toEqual(['ShippingMethodNotApplicable']);
    expect(p.totals.shippingTotal.isZero()).toBe(true);
  });
});

describe('priceBasket with manual adjustments', () => {
  const adj = (over: Partial<PriceAdjustment>): PriceAdjustment => ({ id: 'x', level: 'order', itemId: null, type: 'amount', value: m('0'), reasonCode: null, itemText: null, createdBy: 'agent', ...over });
  const catalog = new Map([['a', entry('a', '10.00', '0.2')], ['b', entry('b', '20.00', '0.2')]]);
  const lines = [line('a', 1, 0), line('b', 1, 1)];

  it.each([
    // name, adjustments, expected product_sub_total, product_total, line totals after order discount
    ['10% off line a: 10.00 → 9.00', [adj({ level: 'product', itemId: 'i-a-0', type: 'percentage', value: m('10') })], '29', '29', ['9', '20']],
    ['5.00 off the order: 30 → 25, split 10:20 → 1.67/3.33', [adj({ type: 'amount', value: m('5') })], '30', '25', ['8.33', '16.67']],
    ['33.333% off the order: 9.9999 → 10.00 off, exactly', [adj({ type: 'percentage', value: m('33.333') })], '30', '20', ['6.67', '13.33']],
    ['order fixed price 12: 18.00 off', [adj({ type: 'fixed_price', value: m('12') })], '30', '12', ['4', '8']],
    ['an order discount larger than the subtotal stops at zero', [adj({ type: 'amount', value: m('50') })], '30', '0', ['0', '0']],
  ] as const)('%s', (_name, adjustments, subTotal, total, perLine) => {
    const p = priceBasket({ lines, catalog, policy: usd(), adjustments });
    expect(p.totals.productSubTotal.toString()).toBe(subTotal);
    expect(p.totals.productTotal.toString()).toBe(total);
    expect(p.lines.map((l) => l.priceAfterOrderDiscount.toString())).toEqual(perLine);
  });

  it('takes a fixed price from what earlier adjustments left, without a false below-zero flash', () => {
    // line a: 10.00, then 1.00 off, then a fixed price of 5.00 → 5.00 (4.00 more off), no flash
    const p = priceBasket({ lines: [line('a', 1, 0)], catalog, policy: usd(), adjustments: [
      adj({ id: '1', level: 'product', itemId: 'i-a-0', type: 'amount', value: m('1') }),
      adj({ id: '2', level: 'product', itemId: 'i-a-0', type: 'fixed_price', value: m('5') }),
    ] });
    expect(p.lines[0]!.priceAfterItemDiscount.toString()).toBe('5');
    expect(p.lines[0]!.adjustments.map((x) => x.amount.toString())).toEqual(['1', '4']);
    expect(p.flashes).toEqual([]);
  });

  it('taxes the price after all discounts', () => {
    // 5.00 off: lines 8.33 and 16.67; gross 20%: 1.388… → 1.39, 2.778… → 2.78 = 4.17
    const p = priceBasket({ lines, catalog, policy: usd(), adjustments: [adj({ type: 'amount', value: m('5') })] });
    expect(p.totals.taxTotal.toString()).toBe('4.17');
    expect(p.totals.merchandizeTotalTax.toString()).toBe('5');
  });
});

describe('priceBasket properties', () => {
  const arbLines = fc.array(
    fc.record({ cents: fc.integer({ min: 0, max: 1_000_000 }), qty: fc.integer({ min: 1, max: 999 }), rate: fc.constantFrom('0', '0.05', '0.08', '0.18', '0.2') }),
    { minLength: 0, maxLength: 50 },
  );
  const arbPolicy = fc.record({
    currency: fc.constantFrom('USD', 'JPY', 'KWD'),
    taxation: fc.constantFrom('gross' as const, 'net' as const),
    taxRoundedAtGroup: fc.boolean(),
    roundingMode: fc.constantFrom('half_up' as const, 'half_even' as const),
  });
  const build = (rows: { cents: number; qty: number; rate: string }[]) => {
    const catalog = new Map(rows.map((r, i) => [`s${i}`, entry(`s${i}`, new Money(r.cents).dividedBy(100).toString(), r.rate)]));
    return { catalog, lines: rows.map((r, i) => line(`s${i}`, r.qty, i)) };
  };

  it('line parts add up to the totals; tax never exceeds the taxed amount; nothing is negative', () => {
    fc.assert(
      fc.property(arbLines, arbPolicy, (rows, policy) => {
        const { catalog, lines } = build(rows);
        const p = priceBasket({ lines, catalog, policy });
        const sumPrices = p.lines.reduce((s, l) => s.plus(l.priceAfterOrderDiscount), new Money(0));
        expect(sumPrices.eq(p.totals.productTotal)).toBe(true);
        const sumGroups = p.totals.groupedTaxItems.reduce((s, g) => s.plus(g.taxValue), new Money(0));
        expect(sumGroups.eq(p.totals.taxTotal)).toBe(true);
        if (!policy.taxRoundedAtGroup) expect(p.lines.reduce((s, l) => s.plus(l.tax), new Money(0)).eq(p.totals.taxTotal)).toBe(true);
        if (policy.taxation === 'gross') expect(p.totals.taxTotal.lte(p.totals.productTotal)).toBe(true);
        for (const l of p.lines) expect(l.tax.isNegative() || l.price.isNegative()).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on line order and is the same when recalculated', () => {
    fc.assert(
      fc.property(arbLines, arbPolicy, (rows, policy) => {
        const { catalog, lines } = build(rows);
        const a = priceBasket({ lines, catalog, policy });
        const b = priceBasket({ lines: [...lines].reverse(), catalog, policy });
        expect(b.totals.taxTotal.eq(a.totals.taxTotal) && b.totals.orderTotal.eq(a.totals.orderTotal)).toBe(true);
        expect(priceBasket({ lines, catalog, policy }).totals.orderTotal.eq(a.totals.orderTotal)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
