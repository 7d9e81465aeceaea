/**
 * Property tests of the pricing core (`priceBasket`) over random baskets: 1–8 lines (some offline),
 * quantities 1–20 (some short of stock), prices with the currency's digits, rates 0 / 8% / 18% / 20%, a random policy
 * (gross/net, per-line/per-group tax rounding, half_up/half_even, JPY/USD/KWD), random manual product-
 * and order-level adjustments, random promotions (campaigns and coupons; product, order or free-shipping;
 * percentage or amount; minimums, priorities, exclusive ones, disabled ones, codes the basket carries or
 * not), and an optional shipping method with an optional free_over threshold.
 * What the README's "Money" rules promise whatever the basket: the parts add up to the totals, tax never exceeds what
 * it is taxed on, nothing is negative, every figure is rounded to the currency's minor unit, and the
 * result depends on nothing but the basket (not on recalculation, not on the order lines are given in).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money, minorUnits } from '../../src/domain/money.js';
import { priceBasket, type PricedBasket } from '../../src/domain/totals.js';
import type { BasketLine, CatalogEntry, DiscountType, PriceAdjustment, PricingPolicy, Promotion, ShippingMethod } from '../../src/domain/types.js';
import type { Offers } from '../../src/domain/promotions.js';

const RATES = ['0', '0.08', '0.18', '0.2'] as const;
const RUNS = 300;

interface AdjSpec {
  readonly type: DiscountType;
  readonly value: string;
}
interface RowSpec {
  readonly unit: string;
  readonly qty: number;
  readonly rate: string;
  readonly online: boolean;
  readonly short: boolean;
  readonly adjs: readonly AdjSpec[];
}
interface PromoSpec {
  readonly kind: 'campaign' | 'coupon';
  readonly type: 'percentage' | 'amount' | 'free_shipping';
  readonly value: string;
  /** Indexes of the rows whose SKUs it targets (empty: order level). */
  readonly skus: readonly number[];
  readonly minAmount: string | null;
  readonly priority: number;
  readonly exclusive: boolean;
  readonly enabled: boolean;
  /** For a coupon: whether the basket carries its code. */
  readonly entered: boolean;
}
interface BasketSpec {
  readonly policy: PricingPolicy;
  readonly promos: readonly PromoSpec[];
  readonly rows: readonly RowSpec[];
  readonly orderAdjs: readonly AdjSpec[];
  readonly shipping: { readonly price: string; readonly rate: string; readonly freeOver: string | null } | null;
  /** Sort keys that give another order to hand the same lines in. */
  readonly shuffle: readonly number[];
}

const arbBasket: fc.Arbitrary<BasketSpec> = fc.constantFrom('JPY', 'USD', 'KWD').chain((currency) => {
  const digits = minorUnits(currency);
  /** An amount with exactly the currency's digits, up to `max` minor units. */
  const money = (max: number) => fc.integer({ min: 0, max }).map((n) => new Money(n).dividedBy(new Money(10).pow(digits)).toFixed(digits));
  const percent = fc.oneof(
    fc.integer({ min: 0, max: 100 }).map(String),
    fc.integer({ min: 0, max: 10_000 }).map((n) => new Money(n).dividedBy(100).toString()),
  );
  const adj = (maxAmount: number): fc.Arbitrary<AdjSpec> =>
    fc.oneof(
      fc.record({ type: fc.constant<DiscountType>('percentage'), value: percent }),
      fc.record({ type: fc.constant<DiscountType>('amount'), value: money(maxAmount) }),
      fc.record({ type: fc.constant<DiscountType>('fixed_price'), value: money(maxAmount) }),
    );
  return fc.record({
    policy: fc.record({
      currency: fc.constant(currency),
      taxation: fc.constantFrom('gross' as const, 'net' as const),
      taxRoundedAtGroup: fc.boolean(),
      roundingMode: fc.constantFrom('half_up' as const, 'half_even' as const),
    }),
    rows: fc.array(
      fc.record({
        unit: money(100_000),
        qty: fc.integer({ min: 1, max: 20 }),
        rate: fc.constantFrom(...RATES),
        online: fc.constantFrom(true, true, true, true, true, true, true, false),
        short: fc.constantFrom(false, false, false, false, false, false, false, true),
        adjs: fc.array(adj(200_000), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    orderAdjs: fc.array(adj(2_000_000), { maxLength: 2 }),
    promos: fc.array(
      fc.record({
        kind: fc.constantFrom('campaign' as const, 'coupon' as const),
        type: fc.constantFrom('percentage' as const, 'amount' as const, 'free_shipping' as const),
        value: fc.oneof(percent, money(50_000)),
        skus: fc.oneof(fc.constant([] as number[]), fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 3 })),
        minAmount: fc.option(money(500_000)),
        priority: fc.integer({ min: 0, max: 3 }),
        exclusive: fc.boolean(),
        enabled: fc.constantFrom(true, true, true, false),
        entered: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    shipping: fc.option(fc.record({ price: money(5_000), rate: fc.constantFrom(...RATES), freeOver: fc.option(money(1_000_000)) })),
    shuffle: fc.array(fc.integer(), { minLength: 8, maxLength: 8 }),
  });
});

interface Built {
  readonly lines: BasketLine[];
  readonly catalog: Map<string, CatalogEntry>;
  readonly policy: PricingPolicy;
  readonly shipping: { selectedId: string; method: ShippingMethod } | undefined;
  readonly adjustments: PriceAdjustment[];
  readonly offers: Offers;
  /** SKUs the basket cannot hold enough of. */
  readonly short: ReadonlySet<string>;
}

function build(spec: BasketSpec): Built {
  const catalog = new Map<string, CatalogEntry>();
  const adjustments: PriceAdjustment[] = [];
  const lines = spec.rows.map((r, i): BasketLine => {
    const sku = `sku-${i}`;
    const itemId = `item-${i}`;
    catalog.set(sku, { sku, pk: i + 1, name: sku, taxRate: new Money(r.rate), online: r.online, image: null, price: new Money(r.unit), retailPrice: null });
    r.adjs.forEach((a, j) => adjustments.push(adjustment(`p-${i}-${j}`, 'product', itemId, a)));
    // Positions with gaps, not equal to the index, so that nothing can lean on either.
    return { itemId, sku, quantity: r.qty, addedUnitPrice: null, position: 3 * i + 7, attributes: {}, custom: {} };
  });
  spec.orderAdjs.forEach((a, j) => adjustments.push(adjustment(`o-${j}`, 'order', null, a)));
  const shipping = spec.shipping
    ? {
        selectedId: 'std',
        method: {
          id: 'std',
          name: 'Standard',
          price: new Money(spec.shipping.price),
          taxRate: new Money(spec.shipping.rate),
          freeOver: spec.shipping.freeOver === null ? null : new Money(spec.shipping.freeOver),
        },
      }
    : undefined;
  const promotions = spec.promos.map((x, i): Promotion => ({
    code: `P${i}`,
    kind: x.kind,
    name: `Promotion ${i}`,
    enabled: x.enabled,
    startsAt: null,
    endsAt: null,
    discountType: x.type,
    // A percentage is at most 100 (the admin feed refuses more).
    discountValue: x.type === 'percentage' ? Money.min(new Money(x.value), 100) : new Money(x.value),
    skus: x.type === 'free_shipping' || x.skus.length === 0 ? null : x.skus.map((r) => `sku-${r}`),
    minAmount: x.minAmount === null ? null : new Money(x.minAmount),
    priority: x.priority,
    exclusive: x.exclusive,
    redemptionLimit: null,
    redeemed: 0,
  }));
  const coupons = spec.promos.flatMap((x, i) => (x.kind === 'coupon' && x.entered ? [{ id: `c${i}`, code: `P${i}` }] : []));
  const short = new Set(spec.rows.flatMap((r, i) => (r.short ? [`sku-${i}`] : [])));
  return {
    lines,
    catalog,
    policy: spec.policy,
    shipping,
    adjustments,
    short,
    offers: { promotions, coupons, externalOfferCode: null, now: new Date('2026-11-23T10:00:00Z') },
  };
}

function adjustment(id: string, level: 'product' | 'order', itemId: string | null, a: AdjSpec): PriceAdjustment {
  return { id, level, itemId, type: a.type, value: new Money(a.value), reasonCode: null, itemText: null, createdBy: 'agent' };
}

const run = (b: Built, lines: readonly BasketLine[] = b.lines): PricedBasket =>
  priceBasket({ lines, catalog: b.catalog, policy: b.policy, short: b.short, shipping: b.shipping, adjustments: b.adjustments, offers: b.offers });

/** Every figure the core computes (not the inputs it echoes: rates, unit prices, adjustment values). */
function figures(p: PricedBasket): [string, Money][] {
  const out: [string, Money][] = [];
  const t = p.totals;
  for (const k of [
    'productSubTotal',
    'productTotal',
    'merchandizeTotalTax',
    'adjustedMerchandizeTotalTax',
    'shippingTotal',
    'shippingTotalTax',
    'adjustedShippingTotalTax',
    'taxTotal',
    'orderTotal',
  ] as const)
    out.push([k, t[k]]);
  t.groupedTaxItems.forEach((g) => out.push([`group ${g.taxRate.toString()}`, g.taxValue]));
  p.lines.forEach((l, i) => {
    out.push(
      [`line ${i} price`, l.price],
      [`line ${i} priceAfterItemDiscount`, l.priceAfterItemDiscount],
      [`line ${i} priceAfterOrderDiscount`, l.priceAfterOrderDiscount],
      [`line ${i} tax`, l.tax],
    );
    l.adjustments.forEach((a, j) => out.push([`line ${i} adjustment ${j}`, a.amount]));
  });
  p.orderAdjustments.forEach((a, j) => out.push([`order adjustment ${j}`, a.amount]));
  if (p.shipping) out.push(['shipping price', p.shipping.price], ['shipping tax', p.shipping.tax], ['shipping adjusted tax', p.shipping.adjustedTax]);
  p.shipping?.adjustments.forEach((a, j) => out.push([`shipping adjustment ${j}`, a.amount]));
  p.promotionTotals.forEach((t) => out.push([`promotion ${t.code}`, t.amount]));
  return out;
}

/** The whole result with every Money as its exact text, for deep comparison. */
function plain(x: unknown): unknown {
  if (Money.isDecimal(x)) return (x as Money).toString();
  if (Array.isArray(x)) return x.map(plain);
  if (x instanceof Date) return x.toISOString();
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

const total = (xs: readonly Money[]) => xs.reduce((s, x) => s.plus(x), new Money(0));
const same = (a: Money, b: Money, what: string) => expect(a.toString(), what).toBe(b.toString());

describe('priceBasket properties', () => {
  it('(a) the parts add up to every total', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const p = run(build(spec));
        const t = p.totals;
        same(total(p.lines.map((l) => l.priceAfterOrderDiscount)), t.productTotal, 'Σ priceAfterOrderDiscount = productTotal');
        same(total(p.lines.map((l) => l.priceAfterItemDiscount)), t.productSubTotal, 'Σ priceAfterItemDiscount = productSubTotal');
        same(total(t.groupedTaxItems.map((g) => g.taxValue)), t.taxTotal, 'Σ groupedTaxItems = taxTotal');
        same(
          t.orderTotal,
          spec.policy.taxation === 'net' ? t.productTotal.plus(t.shippingTotal).plus(t.taxTotal) : t.productTotal.plus(t.shippingTotal),
          'orderTotal',
        );
        same(total(p.orderAdjustments.map((a) => a.amount)), t.productSubTotal.minus(t.productTotal), 'Σ order adjustments = productSubTotal − productTotal');
        for (const l of p.lines) {
          // A line's own adjustments take it from its price to its price after item discounts.
          if (l.counted) same(l.price.minus(total(l.adjustments.map((a) => a.amount))), l.priceAfterItemDiscount, `line ${l.line.itemId}`);
          else expect([l.price, l.priceAfterItemDiscount, l.priceAfterOrderDiscount, l.tax].every((x) => x.isZero())).toBe(true);
        }
        // One group per rate, ascending.
        const rates = t.groupedTaxItems.map((g) => g.taxRate);
        for (let i = 1; i < rates.length; i++) expect(rates[i - 1]!.lt(rates[i]!)).toBe(true);
        // Products' and shipment's tax add up to the tax total, however tax is rounded.
        same(t.adjustedMerchandizeTotalTax.plus(t.adjustedShippingTotalTax), t.taxTotal, 'products + shipping tax = taxTotal');
        expect(t.adjustedShippingTotalTax.gte(0)).toBe(true);
        // Rounded per line, the shown line taxes add up to the products' tax as well.
        if (!spec.policy.taxRoundedAtGroup) same(total(p.lines.map((l) => l.tax)), t.adjustedMerchandizeTotalTax, 'Σ line tax = adjustedMerchandizeTotalTax');
        expect(t.totalQuantity).toBe(spec.rows.reduce((n, r) => n + r.qty, 0));
        // The shipment: its adjustments take it from its price to the shipping total.
        if (p.shipping)
          same(p.shipping.price.minus(total(p.shipping.adjustments.map((a) => a.amount))), t.shippingTotal, 'shipping price − adjustments = shippingTotal');
        // What each promotion took off is what its adjustments took off, and every discount is accounted for.
        const promoted = [...p.lines.flatMap((l) => l.adjustments), ...p.orderAdjustments, ...(p.shipping?.adjustments ?? [])].filter(
          (a) => a.adjustment.promotionCode !== undefined,
        );
        same(total(p.promotionTotals.map((x) => x.amount)), total(promoted.map((a) => a.amount)), 'Σ promotion totals = Σ promotion adjustments');
        // An exclusive promotion that took something took it alone.
        const exclusive = p.promotionTotals.filter((x) => spec.promos[Number(x.code.slice(1))]!.exclusive);
        if (exclusive.length > 0) expect(p.promotionTotals.map((x) => x.code)).toEqual([exclusive[0]!.code]);
        // A coupon's status agrees with what its promotion did.
        for (const c of p.coupons) {
          const x = spec.promos[Number(c.item.code.slice(1))]!;
          const took = p.promotionTotals.some((t) => t.code === c.item.code);
          expect(c.status).toBe(!x.enabled ? 'coupon_disabled' : took ? 'applied' : 'no_applicable_promotion');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) tax never exceeds what it is taxed on', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const p = run(build(spec));
        const t = p.totals;
        for (const l of p.lines) expect(l.tax.lte(l.priceAfterOrderDiscount), `line ${l.line.itemId}: ${l.tax} > ${l.priceAfterOrderDiscount}`).toBe(true);
        if (spec.policy.taxation === 'gross') expect(t.taxTotal.lte(t.productTotal.plus(t.shippingTotal))).toBe(true);
        expect(t.adjustedMerchandizeTotalTax.lte(t.productTotal)).toBe(true);
        expect(t.merchandizeTotalTax.lte(total(p.lines.map((l) => l.price)))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) nothing is negative, and no discount adds to a price', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const p = run(build(spec));
        for (const [what, x] of figures(p)) expect(x.isNegative() && !x.isZero(), `${what} = ${x}`).toBe(false);
        for (const l of p.lines) {
          expect(l.priceAfterItemDiscount.lte(l.price) && l.priceAfterOrderDiscount.lte(l.priceAfterItemDiscount)).toBe(true);
        }
        expect(p.totals.productTotal.lte(p.totals.productSubTotal)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('(d) recalculating gives the identical result', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const b = build(spec);
        expect(plain(run(b))).toEqual(plain(run(b)));
        // …and so does pricing a freshly built copy of the same basket.
        expect(plain(run(build(spec)))).toEqual(plain(run(b)));
      }),
      { numRuns: RUNS },
    );
  });

  it('(e) the order the lines are given in does not matter (their positions do)', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const b = build(spec);
        const shuffled = b.lines
          .map((l, i) => ({ l, k: spec.shuffle[i]!, i }))
          .sort((x, y) => x.k - y.k || y.i - x.i)
          .map((x) => x.l);
        expect(plain(run(b, shuffled))).toEqual(plain(run(b)));
        expect(plain(run(b, [...b.lines].reverse()))).toEqual(plain(run(b)));
      }),
      { numRuns: RUNS },
    );
  });

  it('(f) every figure is rounded to the currency’s minor unit', () => {
    fc.assert(
      fc.property(arbBasket, (spec) => {
        const digits = minorUnits(spec.policy.currency);
        for (const [what, x] of figures(run(build(spec)))) expect(x.decimalPlaces(), `${what} = ${x} (${spec.policy.currency})`).toBeLessThanOrEqual(digits);
      }),
      { numRuns: RUNS },
    );
  });
});

interface SplitSpec {
  readonly to: readonly number[];
  readonly shipments: number;
  readonly methods: readonly ({ readonly price: number; readonly rate: string; readonly freeOver: number | null } | null)[];
}

/** A split of the lines over `me` and up to two more shipments, each with a method of its own or none. */
const arbSplit: fc.Arbitrary<SplitSpec> = fc.record({
  /** Per row: 0 is `me`, 1 and 2 the other shipments. */
  to: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 8, maxLength: 8 }),
  shipments: fc.integer({ min: 1, max: 2 }),
  methods: fc.array(
    fc.option(
      fc.record({ price: fc.integer({ min: 0, max: 3000 }), rate: fc.constantFrom(...RATES), freeOver: fc.option(fc.integer({ min: 0, max: 50_000 })) }),
    ),
    {
      minLength: 2,
      maxLength: 2,
    },
  ),
});

function runSplit(b: Built, spec: BasketSpec, split: SplitSpec) {
  const digits = minorUnits(spec.policy.currency);
  const amount = (n: number) => new Money(n).dividedBy(new Money(10).pow(digits));
  const shipments = Array.from({ length: split.shipments }, (_, k) => {
    const m = split.methods[k] ?? null;
    const method: ShippingMethod | null = m && {
      id: `m${k}`,
      name: `M${k}`,
      price: amount(m.price),
      taxRate: new Money(m.rate),
      freeOver: m.freeOver === null ? null : amount(m.freeOver),
    };
    return {
      id: `s${k + 1}`,
      itemIds: b.lines.filter((_, i) => Math.min(split.to[i]!, split.shipments) === k + 1).map((l) => l.itemId),
      shipping: { selectedId: method?.id ?? null, method },
    };
  });
  return priceBasket({
    lines: b.lines,
    catalog: b.catalog,
    policy: b.policy,
    short: b.short,
    shipping: b.shipping,
    shipments,
    adjustments: b.adjustments,
    offers: b.offers,
  });
}

describe('priceBasket properties over shipments', () => {
  it('(g) across any split of the lines over 2 or 3 shipments, every shipment figure sums to the basket’s', () => {
    fc.assert(
      fc.property(arbBasket, arbSplit, (spec, split) => {
        const p = runSplit(build(spec), spec, split);
        const t = p.totals;
        const digits = minorUnits(spec.policy.currency);
        expect(p.shipments.map((s) => s.id)).toEqual(['me', ...Array.from({ length: split.shipments }, (_, k) => `s${k + 1}`)]);
        // Every line is in exactly one shipment.
        expect(p.shipments.flatMap((s) => s.itemIds).sort()).toEqual(p.lines.map((l) => l.line.itemId).sort());
        for (const k of [
          'productSubTotal',
          'productTotal',
          'merchandizeTotalTax',
          'adjustedMerchandizeTotalTax',
          'shippingTotal',
          'shippingTotalTax',
          'adjustedShippingTotalTax',
          'taxTotal',
        ] as const) {
          same(total(p.shipments.map((s) => s[k])), t[k], `Σ shipments ${k}`);
        }
        same(total(p.shipments.map((s) => s.shipmentTotal)), t.orderTotal, 'Σ shipmentTotal = orderTotal');
        for (const s of p.shipments) {
          same(s.taxTotal, s.adjustedMerchandizeTotalTax.plus(s.adjustedShippingTotalTax), `${s.id} taxTotal`);
          // A shipment's products are its lines' (counted ones).
          const own = p.lines.filter((l) => s.itemIds.includes(l.line.itemId));
          same(total(own.map((l) => l.priceAfterOrderDiscount)), s.productTotal, `${s.id} productTotal`);
          // An empty shipment beside others ships and costs nothing.
          if (s.itemIds.length === 0) expect([s.ships, s.shippingTotal.toString()]).toEqual([false, '0']);
          for (const v of [s.productTotal, s.shippingTotal, s.taxTotal, s.shipmentTotal, s.shippingTotalTax, s.merchandizeTotalTax]) {
            expect(v.isNegative(), `${s.id} not negative`).toBe(false);
            expect(v.decimalPlaces(), `${s.id} rounded`).toBeLessThanOrEqual(digits);
          }
        }
        same(total(t.groupedTaxItems.map((g) => g.taxValue)), t.taxTotal, 'Σ groupedTaxItems = taxTotal');
      }),
      { numRuns: RUNS },
    );
  });

  it('(h) other shipments that carry nothing leave the basket priced exactly as a single shipment', () => {
    fc.assert(
      fc.property(arbBasket, arbSplit, (spec, split) => {
        const b = build(spec);
        const single = run(b);
        const withEmpty = runSplit(b, spec, { ...split, to: split.to.map(() => 0) });
        const { shipments: _s, ...rest } = withEmpty;
        const { shipments: _t, ...alone } = single;
        expect(plain(rest)).toEqual(plain(alone));
        expect(plain(withEmpty.shipments[0])).toEqual(plain(single.shipments[0]));
      }),
      { numRuns: RUNS },
    );
  });
});
