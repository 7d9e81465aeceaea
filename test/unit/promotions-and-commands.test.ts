/**
 * The pure pieces added for promotions, checkout and the other dialects: which promotions apply and
 * what each coupon's status is, the checkout flashes, and the commands Akinon and the merge use.
 */
import { describe, expect, it } from 'vitest';
import { Money } from '../../src/domain/money.js';
import { applyMutation, MAX_COUPONS, type MutationCommand, type MutationContext } from '../../src/domain/mutations.js';
import { couponBlock, qualifyingPromotions, type Offers } from '../../src/domain/promotions.js';
import { priceBasket, type PricingInput } from '../../src/domain/totals.js';
import { checkoutFlashes } from '../../src/domain/checkout.js';
import type { Basket, BasketLine, CatalogEntry, PricingPolicy, Promotion } from '../../src/domain/types.js';

const now = new Date('2026-11-23T10:00:00Z');
const promo = (code: string, over: Partial<Promotion> = {}): Promotion => ({
  code,
  kind: 'campaign',
  name: code,
  enabled: true,
  startsAt: null,
  endsAt: null,
  discountType: 'percentage',
  discountValue: new Money(10),
  skus: null,
  minAmount: null,
  priority: 0,
  exclusive: false,
  redemptionLimit: null,
  redeemed: 0,
  ...over,
});
const offers = (promotions: Promotion[], codes: string[] = [], externalOfferCode: string | null = null): Offers => ({
  promotions,
  coupons: codes.map((code, i) => ({ id: `c${i}`, code })),
  externalOfferCode,
  now,
});
const codes = (o: Offers, skus: string[] = ['a'], total = '100') => qualifyingPromotions(o, new Set(skus), new Money(total)).map((a) => a.promotion.code);

describe('qualifyingPromotions', () => {
  it('orders by priority, then code', () => {
    expect(codes(offers([promo('b', { priority: 2 }), promo('z', { priority: 1 }), promo('a', { priority: 2 })]))).toEqual(['z', 'a', 'b']);
  });

  it('applies coupons only while their code is in the basket (or is the external offer code)', () => {
    const coupon = promo('SAVE', { kind: 'coupon' });
    expect(codes(offers([coupon]))).toEqual([]);
    expect(codes(offers([coupon], ['SAVE']))).toEqual(['SAVE']);
    expect(codes(offers([coupon], [], 'SAVE'))).toEqual(['SAVE']);
  });

  it('leaves out disabled, out-of-window, used-up, under-minimum and target-less promotions', () => {
    const all = [
      promo('off', { enabled: false }),
      promo('early', { startsAt: new Date('2026-11-24T00:00:00Z') }),
      promo('late', { endsAt: now }),
      promo('used', { kind: 'coupon', redemptionLimit: 1, redeemed: 1 }),
      promo('min', { minAmount: new Money('100.01') }),
      promo('other-sku', { skus: ['b'] }),
      promo('ok'),
    ];
    expect(codes(offers(all, ['used']))).toEqual(['ok']);
  });
});

describe('couponBlock', () => {
  it.each([
    ['an unknown code', [], 'coupon_code_unknown'],
    ['a campaign code', [promo('C')], 'coupon_code_unknown'],
    ['a disabled coupon', [promo('C', { kind: 'coupon', enabled: false })], 'coupon_disabled'],
    ['a coupon outside its window', [promo('C', { kind: 'coupon', endsAt: new Date('2020-01-01') })], 'timeframe_invalid'],
    ['a used-up coupon', [promo('C', { kind: 'coupon', redemptionLimit: 3, redeemed: 3 })], 'redemption_limit_exceeded'],
    ['a usable coupon', [promo('C', { kind: 'coupon', redemptionLimit: 3, redeemed: 2 })], null],
  ])('%s → %s', (_what, promotions, status) => {
    expect(couponBlock('C', offers(promotions as Promotion[]))).toBe(status);
  });
});

describe('priceBasket with promotions', () => {
  const policy: PricingPolicy = { currency: 'USD', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up' };
  const entry = (sku: string, price: string): CatalogEntry => ({
    sku,
    pk: 1,
    name: sku,
    taxRate: new Money('0.2'),
    online: true,
    image: null,
    price: new Money(price),
    retailPrice: null,
  });
  const catalog = new Map([
    ['a', entry('a', '10.00')],
    ['b', entry('b', '5.00')],
  ]);
  const line = (sku: string, quantity: number, position: number): BasketLine => ({
    itemId: sku,
    sku,
    quantity,
    addedUnitPrice: null,
    position,
    attributes: {},
    custom: {},
  });
  const lines = [line('a', 3, 0), line('b', 2, 1)];

  it('item-level promotion amounts are per unit, before order-level ones; statuses follow what applied', () => {
    const o = offers(
      [
        promo('A1', { skus: ['a'], discountType: 'amount', discountValue: new Money('1.00'), priority: 9 }),
        promo('O', { kind: 'coupon', discountType: 'amount', discountValue: new Money('3.90') }),
        promo('BIG', { kind: 'coupon', minAmount: new Money(1000) }),
      ],
      ['O', 'BIG', 'NOPE'],
    );
    const p = priceBasket({ lines, catalog, policy, offers: o });
    // a: 30.00 − 3 × 1.00 = 27.00; b: 10.00. Subtotal 37.00; 3.90 spread 27:10 → 2.8459… and 1.0540… → 2.85 and 1.05.
    expect(p.lines.map((l) => [l.priceAfterItemDiscount.toFixed(2), l.priceAfterOrderDiscount.toFixed(2)])).toEqual([
      ['27.00', '24.15'],
      ['10.00', '8.95'],
    ]);
    expect(p.totals.productTotal.toFixed(2)).toBe('33.10');
    expect(p.coupons.map((c) => [c.item.code, c.status, c.valid])).toEqual([
      ['O', 'applied', true],
      ['BIG', 'no_applicable_promotion', true],
      ['NOPE', 'coupon_code_unknown', false],
    ]);
    expect(p.promotionTotals.map((t) => [t.code, t.amount.toFixed(2)])).toEqual([
      ['A1', '3.00'],
      ['O', '3.90'],
    ]);
  });

  const applied = (o: Offers, shipping?: PricingInput['shipping']) =>
    priceBasket({ lines, catalog, policy, shipping, offers: o }).promotionTotals.map((t) => t.code);

  it('an exclusive promotion that takes something applies alone; one that does not qualify changes nothing', () => {
    const stack = [promo('s1', { priority: 1 }), promo('s2', { priority: 2 })];
    expect(applied(offers([...stack, promo('x', { exclusive: true, priority: 5 })]))).toEqual(['x']);
    expect(applied(offers([...stack, promo('x', { exclusive: true, minAmount: new Money(500) })]))).toEqual(['s1', 's2']);
  });

  it('an exclusive free shipping that takes nothing (no method, or shipping already free) leaves the others applied', () => {
    const stack = [promo('s1')];
    const ship = promo('FREE', { kind: 'coupon', exclusive: true, discountType: 'free_shipping' });
    expect(applied(offers([...stack, ship], ['FREE']))).toEqual(['s1']);
    const method = { id: 'std', name: 'Std', price: new Money('4.99'), taxRate: new Money('0.2'), freeOver: new Money('10') };
    // 40.00 − 10% = 36.00 ≥ 10: shipping is free anyway.
    expect(applied(offers([...stack, ship], ['FREE']), { selectedId: 'std', method })).toEqual(['s1']);
    // Without the threshold the free shipment is worth 4.99: the exclusive coupon applies alone.
    expect(applied(offers([...stack, ship], ['FREE']), { selectedId: 'std', method: { ...method, freeOver: null } })).toEqual(['FREE']);
  });

  it('exclusivity follows application order: an exclusive item-level promotion wins over an exclusive order-level one of lower priority number', () => {
    // Priority orders promotions within a level only: items are priced before the order, so the
    // item-level ITEM (priority 10) is the first exclusive one to apply, not ORDER (priority 1).
    const item = promo('ITEM', { exclusive: true, priority: 10, skus: ['a'] });
    const order = promo('ORDER', { exclusive: true, priority: 1 });
    expect(codes(offers([order, item]))).toEqual(['ITEM', 'ORDER']);
    expect(applied(offers([order, item, promo('s1')]))).toEqual(['ITEM']);
    // Free shipping is the last level: an exclusive order-level promotion comes before it.
    const method = { id: 'std', name: 'Std', price: new Money('4.99'), taxRate: new Money('0.2'), freeOver: null };
    const ship = promo('SHIP', { exclusive: true, priority: 0, discountType: 'free_shipping' });
    expect(applied(offers([ship, order]), { selectedId: 'std', method })).toEqual(['ORDER']);
  });

  it('group-rounded tax: a free shipment keeps, as shipping_total_tax, what it would add to its group (hand-worked)', () => {
    // Gross, USD, one rate 20 %, tax rounded per group. Product c: 10.01 → 10.01 × 0.2 / 1.2 = 1.668333…;
    // shipment 5.01 → 0.835 (its own rounded tax would be 0.84). Together 15.02 × 0.2 / 1.2 = 2.503333… → 2.50,
    // products alone → 1.67, so the shipment adds 2.50 − 1.67 = 0.83 to the group.
    const group: PricingPolicy = { ...policy, taxRoundedAtGroup: true };
    const c = new Map([['c', entry('c', '10.01')]]);
    const method = { id: 'std', name: 'Std', price: new Money('5.01'), taxRate: new Money('0.2'), freeOver: null };
    const paid = priceBasket({ lines: [line('c', 1, 0)], catalog: c, policy: group, shipping: { selectedId: 'std', method } });
    expect(
      [paid.totals.shippingTotal, paid.totals.shippingTotalTax, paid.totals.adjustedShippingTotalTax, paid.totals.taxTotal].map((x) => x.toFixed(2)),
    ).toEqual(['5.01', '0.83', '0.83', '2.50']);
    const free = priceBasket({
      lines: [line('c', 1, 0)],
      catalog: c,
      policy: group,
      shipping: { selectedId: 'std', method },
      offers: offers([promo('SHIP', { discountType: 'free_shipping' })]),
    });
    // Free: the shipment's price stays 5.01 before adjustments, its total is 0; its tax before
    // adjustments is still the 0.83 it adds to the group (not 0.84), after them 0; the tax total is the products' 1.67.
    expect(
      [free.totals.shippingTotal, free.totals.shippingTotalTax, free.totals.adjustedShippingTotalTax, free.totals.taxTotal, free.totals.orderTotal].map((x) =>
        x.toFixed(2),
      ),
    ).toEqual(['0.00', '0.83', '0.00', '1.67', '10.01']);
    expect(free.shipping!.tax.toFixed(2)).toBe('0.83');
    // Rounded per line, the shipment's own rounded tax (0.84) is the figure either way.
    const perLine = priceBasket({
      lines: [line('c', 1, 0)],
      catalog: c,
      policy,
      shipping: { selectedId: 'std', method },
      offers: offers([promo('SHIP', { discountType: 'free_shipping' })]),
    });
    expect(perLine.totals.shippingTotalTax.toFixed(2)).toBe('0.84');
  });

  it('a promotion never takes a line below zero and raises no flash (only agents’ adjustments do)', () => {
    const p = priceBasket({
      lines: [line('b', 1, 0)],
      catalog,
      policy,
      offers: offers([promo('HUGE', { skus: ['b'], discountType: 'amount', discountValue: new Money(99) })]),
    });
    expect(p.lines[0]!.priceAfterItemDiscount.toFixed(2)).toBe('0.00');
    expect(p.flashes).toEqual([]);
  });
});

describe('checkoutFlashes', () => {
  const base: Basket = {
    id: 'b',
    ownerId: 'o',
    siteId: 's',
    currency: 'USD',
    status: 'active',
    version: 1,
    lines: [],
    custom: {},
    sourceCode: null,
    checkout: {},
    shippingMethodId: null,
    adjustments: [],
    coupons: [],
    externalOfferCode: null,
    agentBasket: false,
    createdAt: now,
    updatedAt: now,
  };
  const priced = priceBasket({
    lines: [],
    catalog: new Map(),
    policy: { currency: 'USD', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up' },
  });
  it('lists everything an empty basket lacks, in a stable order', () => {
    expect(checkoutFlashes(base, priced, new Map()).map((f) => f.type)).toEqual([
      'ShippingAddressRequired',
      'BillingAddressRequired',
      'ShippingMethodRequired',
      'PaymentMethodRequired',
      'OrderTotalNotSet',
    ]);
  });
  it('OrderTotalNotSet stands while no line counts (every line short of stock), even with a shipping method', () => {
    const entry: CatalogEntry = {
      sku: 'a',
      pk: 1,
      name: 'a',
      taxRate: new Money('0.2'),
      online: true,
      image: null,
      price: new Money('10.00'),
      retailPrice: null,
    };
    const line: BasketLine = { itemId: 'i', sku: 'a', quantity: 1, addedUnitPrice: null, position: 0, attributes: {}, custom: {} };
    const method = { id: 'std', name: 'Std', price: new Money('4.99'), taxRate: new Money('0.2'), freeOver: null };
    const short = priceBasket({
      lines: [line],
      catalog: new Map([['a', entry]]),
      policy: { currency: 'USD', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up' },
      short: new Set(['a']),
      shipping: { selectedId: 'std', method },
    });
    expect(short.totals.productTotal.toFixed(2)).toBe('0.00');
    expect(checkoutFlashes({ ...base, lines: [line], shippingMethodId: 'std' }, short, new Map()).map((f) => f.type)).toContain('OrderTotalNotSet');
  });

  it('flashes an instrument whose method the site no longer offers', () => {
    const b = { ...base, checkout: { paymentInstruments: [{ id: 'p', methodId: 'GONE', amount: null, card: null }] } };
    expect(checkoutFlashes(b, priced, new Map()).map((f) => [f.type, f.path])).toContainEqual([
      'PaymentMethodNotApplicable',
      '$.payment_instruments[0].payment_method_id',
    ]);
  });
});

describe('commands for coupons, Akinon and the merge', () => {
  const entry = (sku: string): CatalogEntry => ({
    sku,
    pk: 1,
    name: sku,
    taxRate: new Money('0.2'),
    online: true,
    image: null,
    price: new Money('1.00'),
    retailPrice: null,
  });
  const ctx = (over: Partial<MutationContext> = {}): MutationContext => ({
    basketId: 'b1',
    ownerId: 'o1',
    now,
    catalog: new Map([
      ['a', entry('a')],
      ['b', entry('b')],
    ]),
    limits: { maxLineQuantity: 10, maxLines: 3 },
    newItemId: (n) => `new-${n}`,
    siteCurrency: 'USD',
    ...over,
  });
  const run = (b: Basket | null, c: MutationCommand, over?: Partial<MutationContext>) => {
    const r = applyMutation(b, c, ctx(over));
    if (r.outcome !== 'applied') throw new Error(`${c.kind}: ${r.rejection.code}`);
    return r.basket;
  };
  const reject = (b: Basket, c: MutationCommand, over?: Partial<MutationContext>) => {
    const r = applyMutation(b, c, ctx(over));
    return r.outcome === 'rejected' ? r.rejection.code : 'applied';
  };
  const fresh = () => run(null, { kind: 'create_basket', siteId: 's', currency: null, agentBasket: false, custom: {} });
  const withA = (q = 2) => run(fresh(), { kind: 'add_items', items: [{ sku: 'a', quantity: q }] });

  it('coupons: no code twice, at most MAX_COUPONS, removal by coupon item id', () => {
    let b = run(fresh(), { kind: 'add_coupon', code: 'X' });
    expect(reject(b, { kind: 'add_coupon', code: 'X' })).toBe('coupon_already_in_basket');
    for (let i = 1; i < MAX_COUPONS; i++) b = run(b, { kind: 'add_coupon', code: `C${i}` }, { newItemId: () => `id-${i}` });
    expect(reject(b, { kind: 'add_coupon', code: 'ONE-MORE' })).toBe('coupon_limit_exceeded');
    expect(run(b, { kind: 'remove_coupon', couponItemId: 'new-0' }).coupons.map((c) => c.code)).not.toContain('X');
    expect(reject(b, { kind: 'remove_coupon', couponItemId: 'nope' })).toBe('coupon_item_not_found');
  });

  it("Akinon's offer codes: a voucher replaces the codes, null removes, the external code is kept apart", () => {
    let b = run(fresh(), { kind: 'set_offer_codes', voucherCode: 'V1', externalOfferCode: 'EXT' });
    expect([b.coupons.map((c) => c.code), b.externalOfferCode]).toEqual([['V1'], 'EXT']);
    b = run(b, { kind: 'set_offer_codes', voucherCode: 'V2' });
    expect([b.coupons.map((c) => c.code), b.externalOfferCode]).toEqual([['V2'], 'EXT']);
    b = run(b, { kind: 'set_offer_codes', voucherCode: null, externalOfferCode: null });
    expect([b.coupons, b.externalOfferCode]).toEqual([[], null]);
  });

  it("Akinon's quantity by product: sets, adds when absent, 0 removes, 0 of an absent product is refused", () => {
    let b = run(withA(2), { kind: 'set_product_quantity', sku: 'a', quantity: 5 });
    expect(b.lines.map((l) => [l.sku, l.quantity])).toEqual([['a', 5]]);
    b = run(b, { kind: 'set_product_quantity', sku: 'b', quantity: 1 });
    expect(b.lines.map((l) => l.sku)).toEqual(['a', 'b']);
    expect(run(b, { kind: 'set_product_quantity', sku: 'a', quantity: 0 }).lines.map((l) => l.sku)).toEqual(['b']);
    expect(reject(withA(), { kind: 'set_product_quantity', sku: 'b', quantity: 0 })).toBe('item_not_found');
    expect(reject(withA(), { kind: 'set_product_quantity', sku: 'a', quantity: 11 })).toBe('quantity_limit_exceeded');
  });

  it("Akinon's quantity by product counts every line of the product (after a split)", () => {
    const split = run(withA(3), { kind: 'set_item_attributes', itemId: 'new-0', attributes: { engraving: 'A' }, splitOne: true }, { newItemId: () => 'split' });
    const lines = (b: Basket) => b.lines.map((l) => [l.itemId, l.quantity]);
    expect(lines(split)).toEqual([
      ['new-0', 2],
      ['split', 1],
    ]);
    expect(run(split, { kind: 'set_product_quantity', sku: 'a', quantity: 0 }).lines).toEqual([]);
    expect(lines(run(split, { kind: 'set_product_quantity', sku: 'a', quantity: 5 }))).toEqual([
      ['new-0', 4],
      ['split', 1],
    ]);
    // A fall comes off the newest line first.
    expect(lines(run(split, { kind: 'set_product_quantity', sku: 'a', quantity: 2 }))).toEqual([['new-0', 2]]);
    expect(lines(run(split, { kind: 'set_product_quantity', sku: 'a', quantity: 1 }))).toEqual([['new-0', 1]]);
  });

  it('adding a product with other options makes another line; with the same options (in any key order) it adds up', () => {
    const engraved = run(fresh(), { kind: 'add_items', items: [{ sku: 'a', quantity: 1, attributes: { engraving: 'A', size: 'L' } }] });
    const plain = run(engraved, { kind: 'add_items', items: [{ sku: 'a', quantity: 2, attributes: {} }] }, { newItemId: () => 'plain' });
    expect(plain.lines.map((l) => [l.itemId, l.quantity, l.attributes])).toEqual([
      ['new-0', 1, { engraving: 'A', size: 'L' }],
      ['plain', 2, {}],
    ]);
    const same = run(plain, { kind: 'add_items', items: [{ sku: 'a', quantity: 1, attributes: { size: 'L', engraving: 'A' } }] });
    expect(same.lines.map((l) => [l.itemId, l.quantity])).toEqual([
      ['new-0', 2],
      ['plain', 2],
    ]);
    // Without options (OCAPI), the product's first line adds up.
    expect(run(plain, { kind: 'add_items', items: [{ sku: 'a', quantity: 1 }] }).lines.map((l) => l.quantity)).toEqual([2, 2]);
  });

  it('empties the basket but keeps its codes; sets attributes on a line or splits one unit off', () => {
    const b = run(withA(3), { kind: 'add_coupon', code: 'K' }, { newItemId: () => 'coupon' });
    const emptied = run(b, { kind: 'empty_basket' });
    expect([emptied.lines, emptied.coupons.map((c) => c.code), emptied.status]).toEqual([[], ['K'], 'active']);
    const all = run(b, { kind: 'set_item_attributes', itemId: 'new-0', attributes: { size: 'L' }, splitOne: false });
    expect(all.lines.map((l) => [l.quantity, l.attributes])).toEqual([[3, { size: 'L' }]]);
    const one = run(b, { kind: 'set_item_attributes', itemId: 'new-0', attributes: { size: 'L' }, splitOne: true }, { newItemId: () => 'split' });
    expect(one.lines.map((l) => [l.itemId, l.quantity, l.attributes])).toEqual([
      ['new-0', 2, {}],
      ['split', 1, { size: 'L' }],
    ]);
    expect(reject(b, { kind: 'set_item_attributes', itemId: 'nope', attributes: {}, splitOne: false })).toBe('item_not_found');
  });

  it('merge: combines quantities by mode (capped), appends new products, takes the codes, and refuses a foreign or missing source', () => {
    const guest: Basket = {
      ...run(fresh(), {
        kind: 'add_items',
        items: [
          { sku: 'a', quantity: 9 },
          { sku: 'b', quantity: 1 },
        ],
      }),
      id: 'guest',
      ownerId: 'g',
      coupons: [{ id: 'gc', code: 'G' }],
    };
    const mine = withA(4);
    const merge = (mode: 'sum_quantities' | 'highest_quantity' | 'lowest_quantity') =>
      run(mine, { kind: 'merge_basket', sourceBasketId: 'guest', sourceOwnerId: 'g', mode }, { mergeSource: guest, newItemId: (n) => `m-${n}` });
    expect(merge('sum_quantities').lines.map((l) => [l.itemId, l.sku, l.quantity])).toEqual([
      ['new-0', 'a', 10],
      ['m-0', 'b', 1],
    ]);
    expect(merge('highest_quantity').lines[0]!.quantity).toBe(9);
    expect(merge('lowest_quantity').lines[0]!.quantity).toBe(4);
    expect(merge('sum_quantities').coupons.map((c) => c.code)).toEqual(['G']);
    expect(reject(mine, { kind: 'merge_basket', sourceBasketId: 'guest', sourceOwnerId: 'someone-else', mode: 'sum_quantities' }, { mergeSource: guest })).toBe(
      'basket_not_found',
    );
    expect(reject(mine, { kind: 'merge_basket', sourceBasketId: 'guest', sourceOwnerId: 'g', mode: 'sum_quantities' }, { mergeSource: null })).toBe(
      'basket_not_found',
    );
  });
});
