/**
 * Table-driven checks of the pricing core (`priceBasket`) against figures worked out by hand from
 * the README's "Money" rules: gross/net × per-line/per-group tax rounding × 0-, 2- and 3-digit currencies × half_up /
 * half_even × item- and order-level manual adjustments × shipping. The arithmetic behind every figure
 * is written beside its case; every figure is compared as text with the currency's exact digits, and
 * is also checked to carry no more digits than the currency's minor unit.
 *
 * Conventions the expectations follow (README "Money" and the code's documented semantics):
 * - a line's price is round(unit price × quantity), rounded once;
 * - product-level adjustments: `percentage` of the line's original price, `amount` off the line (not
 *   per unit), `fixed_price` a unit price (× quantity), taken from what earlier adjustments left;
 *   never below zero (flash ProductItemAdjustedPriceLessThanZero);
 * - order-level adjustments: `percentage` of the product subtotal, `amount`, `fixed_price` a subtotal;
 *   capped at what is left; spread over lines in proportion to the price after item discounts, minor
 *   units by largest remainder (ties: the earlier position);
 * - gross tax = a × r / (1 + r), net tax = a × r, on the price after all discounts; per line rounded,
 *   or (taxRoundedAtGroup) unrounded summed per rate and rounded per group; line `tax` always shows
 *   the per-line rounded figure;
 * - shipping: free when the product total (after order discounts) reaches free_over; taxed at its own
 *   rate together with the products (so it joins `groupedTaxItems`); order total = products +
 *   shipping (+ tax under net).
 */
import { describe, expect, it } from 'vitest';
import { Money, formatMoney, minorUnits } from '../../src/domain/money.js';
import { priceBasket, type PricedBasket } from '../../src/domain/totals.js';
import type { BasketLine, CatalogEntry, DiscountType, PriceAdjustment, PricingPolicy, ShippingMethod } from '../../src/domain/types.js';

const m = (s: string) => new Money(s);

/** [sku, quantity, unit price, tax rate] */
type Row = readonly [sku: string, qty: number, unit: string, rate: string];
/** A manual adjustment: product level names the row (by index in `rows`), order level names none. */
type Adj =
  | { readonly level: 'product'; readonly row: number; readonly type: DiscountType; readonly value: string }
  | { readonly level: 'order'; readonly type: DiscountType; readonly value: string };

interface Want {
  /** Per line, in position order: [price, priceAfterItemDiscount, priceAfterOrderDiscount, tax]. */
  readonly lines: readonly (readonly [price: string, afterItem: string, afterOrder: string, tax: string])[];
  /** Per line (position order), what each of its own adjustments took off; default none. */
  readonly itemAdjustments?: readonly (readonly string[])[];
  readonly orderAdjustments?: readonly string[];
  readonly productSubTotal: string;
  readonly productTotal: string;
  readonly merchandizeTotalTax: string;
  readonly adjustedMerchandizeTotalTax: string;
  readonly shippingTotal: string;
  /** Default: zero. */
  readonly shippingTotalTax?: string;
  readonly taxTotal: string;
  /** [rate, tax], ascending by rate. */
  readonly groups: readonly (readonly [rate: string, tax: string])[];
  readonly orderTotal: string;
  /** `${type} ${path}`; default none. */
  readonly flashes?: readonly string[];
}

interface Case {
  readonly name: string;
  readonly policy?: Partial<PricingPolicy>;
  readonly rows: readonly Row[];
  /** Positions of the rows (default: their index), to give the lines in another order than priced. */
  readonly positions?: readonly number[];
  readonly adjustments?: readonly Adj[];
  readonly shipping?: { readonly price: string; readonly rate: string; readonly freeOver?: string };
  readonly want: Want;
}

// ---- local builders ---------------------------------------------------------------------------

const policyOf = (over: Partial<PricingPolicy> = {}): PricingPolicy => ({
  currency: 'USD',
  taxation: 'gross',
  taxRoundedAtGroup: false,
  roundingMode: 'half_up',
  ...over,
});
const catalogOf = (rows: readonly Row[]) =>
  new Map<string, CatalogEntry>(
    rows.map(([sku, , unit, rate], i) => [sku, { sku, pk: i + 1, name: sku, taxRate: m(rate), online: true, image: null, price: m(unit), retailPrice: null }]),
  );
const itemId = (sku: string) => `item-${sku}`;
const linesOf = (rows: readonly Row[], positions?: readonly number[]): BasketLine[] =>
  rows.map(([sku, quantity], i) => ({ itemId: itemId(sku), sku, quantity, addedUnitPrice: null, position: positions?.[i] ?? i, attributes: {}, custom: {} }));
const adjustmentsOf = (rows: readonly Row[], adjs: readonly Adj[] = []): PriceAdjustment[] =>
  adjs.map((a, i) => ({
    id: `adj-${i}`,
    level: a.level,
    itemId: a.level === 'product' ? itemId(rows[a.row]![0]) : null,
    type: a.type,
    value: m(a.value),
    reasonCode: null,
    itemText: null,
    createdBy: 'agent',
  }));
const methodOf = (s: NonNullable<Case['shipping']>): ShippingMethod => ({
  id: 'std',
  name: 'Standard',
  price: m(s.price),
  taxRate: m(s.rate),
  freeOver: s.freeOver === undefined ? null : m(s.freeOver),
});

function price(c: Case): PricedBasket {
  const shipping = c.shipping ? { selectedId: 'std', method: methodOf(c.shipping) } : undefined;
  return priceBasket({
    lines: linesOf(c.rows, c.positions),
    catalog: catalogOf(c.rows),
    policy: policyOf(c.policy),
    shipping,
    adjustments: adjustmentsOf(c.rows, c.adjustments),
  });
}

// ---- the table ----------------------------------------------------------------------------------

const USD_NET = { taxation: 'net' } as const;
const GROUP = { taxRoundedAtGroup: true } as const;
const EVEN = { roundingMode: 'half_even' } as const;

const cases: readonly Case[] = [
  // ---------- taxation × rounding mode × currency, no discounts ----------
  {
    name: 'USD gross per line: 3 × 19.99 at 18%',
    rows: [['a', 3, '19.99', '0.18']],
    // price 3 × 19.99 = 59.97; tax 59.97 × 0.18 / 1.18 = 10.7946 / 1.18 = 9.14796… → 9.15; gross: order = 59.97
    want: {
      lines: [['59.97', '59.97', '59.97', '9.15']],
      productSubTotal: '59.97',
      productTotal: '59.97',
      merchandizeTotalTax: '9.15',
      adjustedMerchandizeTotalTax: '9.15',
      shippingTotal: '0.00',
      taxTotal: '9.15',
      groups: [['0.18', '9.15']],
      orderTotal: '59.97',
    },
  },
  {
    name: 'USD net per line: 3 × 19.99 at 18%',
    policy: USD_NET,
    rows: [['a', 3, '19.99', '0.18']],
    // price 59.97; tax 59.97 × 0.18 = 10.7946 → 10.79; order = 59.97 + 10.79 = 70.76
    want: {
      lines: [['59.97', '59.97', '59.97', '10.79']],
      productSubTotal: '59.97',
      productTotal: '59.97',
      merchandizeTotalTax: '10.79',
      adjustedMerchandizeTotalTax: '10.79',
      shippingTotal: '0.00',
      taxTotal: '10.79',
      groups: [['0.18', '10.79']],
      orderTotal: '70.76',
    },
  },
  {
    name: 'USD gross half_up, tax exactly half a cent: 12.03 at 20%',
    rows: [['a', 1, '12.03', '0.2']],
    // tax 12.03 × 0.2 / 1.2 = 12.03 / 6 = 2.005 exactly → half_up 2.01
    want: {
      lines: [['12.03', '12.03', '12.03', '2.01']],
      productSubTotal: '12.03',
      productTotal: '12.03',
      merchandizeTotalTax: '2.01',
      adjustedMerchandizeTotalTax: '2.01',
      shippingTotal: '0.00',
      taxTotal: '2.01',
      groups: [['0.2', '2.01']],
      orderTotal: '12.03',
    },
  },
  {
    name: 'USD gross half_even, tax exactly half a cent: 12.03 at 20%',
    policy: EVEN,
    rows: [['a', 1, '12.03', '0.2']],
    // tax 12.03 / 6 = 2.005 exactly → half_even 2.00 (0 is even)
    want: {
      lines: [['12.03', '12.03', '12.03', '2.00']],
      productSubTotal: '12.03',
      productTotal: '12.03',
      merchandizeTotalTax: '2.00',
      adjustedMerchandizeTotalTax: '2.00',
      shippingTotal: '0.00',
      taxTotal: '2.00',
      groups: [['0.2', '2.00']],
      orderTotal: '12.03',
    },
  },
  {
    name: 'USD net half_up, tax exactly half a cent: 2.25 at 18%',
    policy: USD_NET,
    rows: [['a', 1, '2.25', '0.18']],
    // tax 2.25 × 0.18 = 0.405 → half_up 0.41; order 2.25 + 0.41 = 2.66
    want: {
      lines: [['2.25', '2.25', '2.25', '0.41']],
      productSubTotal: '2.25',
      productTotal: '2.25',
      merchandizeTotalTax: '0.41',
      adjustedMerchandizeTotalTax: '0.41',
      shippingTotal: '0.00',
      taxTotal: '0.41',
      groups: [['0.18', '0.41']],
      orderTotal: '2.66',
    },
  },
  {
    name: 'USD net half_even, tax exactly half a cent: 2.25 at 18%',
    policy: { ...USD_NET, ...EVEN },
    rows: [['a', 1, '2.25', '0.18']],
    // tax 0.405 → half_even 0.40 (0 is even); order 2.25 + 0.40 = 2.65
    want: {
      lines: [['2.25', '2.25', '2.25', '0.40']],
      productSubTotal: '2.25',
      productTotal: '2.25',
      merchandizeTotalTax: '0.40',
      adjustedMerchandizeTotalTax: '0.40',
      shippingTotal: '0.00',
      taxTotal: '0.40',
      groups: [['0.18', '0.40']],
      orderTotal: '2.65',
    },
  },
  {
    name: 'JPY gross half_up: 99 at 20%, tax 16.5',
    policy: { currency: 'JPY' },
    rows: [['a', 1, '99', '0.2']],
    // tax 99 / 6 = 16.5 → half_up 17
    want: {
      lines: [['99', '99', '99', '17']],
      productSubTotal: '99',
      productTotal: '99',
      merchandizeTotalTax: '17',
      adjustedMerchandizeTotalTax: '17',
      shippingTotal: '0',
      taxTotal: '17',
      groups: [['0.2', '17']],
      orderTotal: '99',
    },
  },
  {
    name: 'JPY gross half_even: 99 at 20%, tax 16.5',
    policy: { currency: 'JPY', ...EVEN },
    rows: [['a', 1, '99', '0.2']],
    // tax 99 / 6 = 16.5 → half_even 16
    want: {
      lines: [['99', '99', '99', '16']],
      productSubTotal: '99',
      productTotal: '99',
      merchandizeTotalTax: '16',
      adjustedMerchandizeTotalTax: '16',
      shippingTotal: '0',
      taxTotal: '16',
      groups: [['0.2', '16']],
      orderTotal: '99',
    },
  },
  {
    name: 'JPY net half_up: 125 at 18%, tax 22.5',
    policy: { currency: 'JPY', taxation: 'net' },
    rows: [['a', 1, '125', '0.18']],
    // tax 125 × 0.18 = 22.5 → half_up 23; order 125 + 23 = 148
    want: {
      lines: [['125', '125', '125', '23']],
      productSubTotal: '125',
      productTotal: '125',
      merchandizeTotalTax: '23',
      adjustedMerchandizeTotalTax: '23',
      shippingTotal: '0',
      taxTotal: '23',
      groups: [['0.18', '23']],
      orderTotal: '148',
    },
  },
  {
    name: 'JPY net half_even: 125 at 18%, tax 22.5',
    policy: { currency: 'JPY', taxation: 'net', ...EVEN },
    rows: [['a', 1, '125', '0.18']],
    // tax 22.5 → half_even 22; order 125 + 22 = 147
    want: {
      lines: [['125', '125', '125', '22']],
      productSubTotal: '125',
      productTotal: '125',
      merchandizeTotalTax: '22',
      adjustedMerchandizeTotalTax: '22',
      shippingTotal: '0',
      taxTotal: '22',
      groups: [['0.18', '22']],
      orderTotal: '147',
    },
  },
  {
    name: 'KWD net half_up: 1.125 at 18%, tax 0.2025',
    policy: { currency: 'KWD', taxation: 'net' },
    rows: [['a', 1, '1.125', '0.18']],
    // tax 1.125 × 0.18 = 0.2025 → half_up 0.203; order 1.125 + 0.203 = 1.328
    want: {
      lines: [['1.125', '1.125', '1.125', '0.203']],
      productSubTotal: '1.125',
      productTotal: '1.125',
      merchandizeTotalTax: '0.203',
      adjustedMerchandizeTotalTax: '0.203',
      shippingTotal: '0.000',
      taxTotal: '0.203',
      groups: [['0.18', '0.203']],
      orderTotal: '1.328',
    },
  },
  {
    name: 'KWD net half_even: 1.125 at 18%, tax 0.2025',
    policy: { currency: 'KWD', taxation: 'net', ...EVEN },
    rows: [['a', 1, '1.125', '0.18']],
    // tax 0.2025 → half_even 0.202 (2 is even); order 1.125 + 0.202 = 1.327
    want: {
      lines: [['1.125', '1.125', '1.125', '0.202']],
      productSubTotal: '1.125',
      productTotal: '1.125',
      merchandizeTotalTax: '0.202',
      adjustedMerchandizeTotalTax: '0.202',
      shippingTotal: '0.000',
      taxTotal: '0.202',
      groups: [['0.18', '0.202']],
      orderTotal: '1.327',
    },
  },
  {
    name: 'KWD gross half_up: 1.203 at 20%, tax 0.2005',
    policy: { currency: 'KWD' },
    rows: [['a', 1, '1.203', '0.2']],
    // tax 1.203 / 6 = 0.2005 exactly → half_up 0.201
    want: {
      lines: [['1.203', '1.203', '1.203', '0.201']],
      productSubTotal: '1.203',
      productTotal: '1.203',
      merchandizeTotalTax: '0.201',
      adjustedMerchandizeTotalTax: '0.201',
      shippingTotal: '0.000',
      taxTotal: '0.201',
      groups: [['0.2', '0.201']],
      orderTotal: '1.203',
    },
  },
  {
    name: 'KWD gross half_even: 1.203 at 20%, tax 0.2005',
    policy: { currency: 'KWD', ...EVEN },
    rows: [['a', 1, '1.203', '0.2']],
    // tax 0.2005 → half_even 0.200 (0 is even)
    want: {
      lines: [['1.203', '1.203', '1.203', '0.200']],
      productSubTotal: '1.203',
      productTotal: '1.203',
      merchandizeTotalTax: '0.200',
      adjustedMerchandizeTotalTax: '0.200',
      shippingTotal: '0.000',
      taxTotal: '0.200',
      groups: [['0.2', '0.200']],
      orderTotal: '1.203',
    },
  },

  // ---------- per-line versus per-group tax rounding ----------
  {
    name: 'USD gross per line half_up: two lines of 12.03 at 20%',
    rows: [
      ['a', 1, '12.03', '0.2'],
      ['b', 1, '12.03', '0.2'],
    ],
    // each 12.03 / 6 = 2.005 → 2.01; 2.01 + 2.01 = 4.02; products 24.06
    want: {
      lines: [
        ['12.03', '12.03', '12.03', '2.01'],
        ['12.03', '12.03', '12.03', '2.01'],
      ],
      productSubTotal: '24.06',
      productTotal: '24.06',
      merchandizeTotalTax: '4.02',
      adjustedMerchandizeTotalTax: '4.02',
      shippingTotal: '0.00',
      taxTotal: '4.02',
      groups: [['0.2', '4.02']],
      orderTotal: '24.06',
    },
  },
  {
    name: 'USD gross per group half_up: two lines of 12.03 at 20% (a cent less than per line)',
    policy: GROUP,
    rows: [
      ['a', 1, '12.03', '0.2'],
      ['b', 1, '12.03', '0.2'],
    ],
    // group 2.005 + 2.005 = 4.010 → 4.01 (per line it would be 4.02); lines still show 2.01 each
    want: {
      lines: [
        ['12.03', '12.03', '12.03', '2.01'],
        ['12.03', '12.03', '12.03', '2.01'],
      ],
      productSubTotal: '24.06',
      productTotal: '24.06',
      merchandizeTotalTax: '4.01',
      adjustedMerchandizeTotalTax: '4.01',
      shippingTotal: '0.00',
      taxTotal: '4.01',
      groups: [['0.2', '4.01']],
      orderTotal: '24.06',
    },
  },
  {
    name: 'USD gross per line half_even: two lines of 12.03 at 20%',
    policy: EVEN,
    rows: [
      ['a', 1, '12.03', '0.2'],
      ['b', 1, '12.03', '0.2'],
    ],
    // each 2.005 → half_even 2.00; 2.00 + 2.00 = 4.00
    want: {
      lines: [
        ['12.03', '12.03', '12.03', '2.00'],
        ['12.03', '12.03', '12.03', '2.00'],
      ],
      productSubTotal: '24.06',
      productTotal: '24.06',
      merchandizeTotalTax: '4.00',
      adjustedMerchandizeTotalTax: '4.00',
      shippingTotal: '0.00',
      taxTotal: '4.00',
      groups: [['0.2', '4.00']],
      orderTotal: '24.06',
    },
  },
  {
    name: 'USD gross per group half_even: two lines of 12.03 at 20% (a cent more than per line)',
    policy: { ...GROUP, ...EVEN },
    rows: [
      ['a', 1, '12.03', '0.2'],
      ['b', 1, '12.03', '0.2'],
    ],
    // group 4.010 → 4.01 (not a half); lines show 2.005 → 2.00 each
    want: {
      lines: [
        ['12.03', '12.03', '12.03', '2.00'],
        ['12.03', '12.03', '12.03', '2.00'],
      ],
      productSubTotal: '24.06',
      productTotal: '24.06',
      merchandizeTotalTax: '4.01',
      adjustedMerchandizeTotalTax: '4.01',
      shippingTotal: '0.00',
      taxTotal: '4.01',
      groups: [['0.2', '4.01']],
      orderTotal: '24.06',
    },
  },
  {
    name: 'USD gross per line: three lines of 1.00 at 18%',
    rows: [
      ['a', 1, '1.00', '0.18'],
      ['b', 1, '1.00', '0.18'],
      ['c', 1, '1.00', '0.18'],
    ],
    // each 1.00 × 0.18 / 1.18 = 0.152542… → 0.15; 3 × 0.15 = 0.45
    want: {
      lines: [
        ['1.00', '1.00', '1.00', '0.15'],
        ['1.00', '1.00', '1.00', '0.15'],
        ['1.00', '1.00', '1.00', '0.15'],
      ],
      productSubTotal: '3.00',
      productTotal: '3.00',
      merchandizeTotalTax: '0.45',
      adjustedMerchandizeTotalTax: '0.45',
      shippingTotal: '0.00',
      taxTotal: '0.45',
      groups: [['0.18', '0.45']],
      orderTotal: '3.00',
    },
  },
  {
    name: 'USD gross per group: three lines of 1.00 at 18% (a cent more than per line)',
    policy: GROUP,
    rows: [
      ['a', 1, '1.00', '0.18'],
      ['b', 1, '1.00', '0.18'],
      ['c', 1, '1.00', '0.18'],
    ],
    // group 3 × 0.152542… = 0.457627… → 0.46; lines show 0.15 each
    want: {
      lines: [
        ['1.00', '1.00', '1.00', '0.15'],
        ['1.00', '1.00', '1.00', '0.15'],
        ['1.00', '1.00', '1.00', '0.15'],
      ],
      productSubTotal: '3.00',
      productTotal: '3.00',
      merchandizeTotalTax: '0.46',
      adjustedMerchandizeTotalTax: '0.46',
      shippingTotal: '0.00',
      taxTotal: '0.46',
      groups: [['0.18', '0.46']],
      orderTotal: '3.00',
    },
  },
  {
    name: 'JPY net per line: three lines of 110 at 8%',
    policy: { currency: 'JPY', taxation: 'net' },
    rows: [
      ['a', 1, '110', '0.08'],
      ['b', 1, '110', '0.08'],
      ['c', 1, '110', '0.08'],
    ],
    // each 110 × 0.08 = 8.8 → 9; 27; order 330 + 27 = 357
    want: {
      lines: [
        ['110', '110', '110', '9'],
        ['110', '110', '110', '9'],
        ['110', '110', '110', '9'],
      ],
      productSubTotal: '330',
      productTotal: '330',
      merchandizeTotalTax: '27',
      adjustedMerchandizeTotalTax: '27',
      shippingTotal: '0',
      taxTotal: '27',
      groups: [['0.08', '27']],
      orderTotal: '357',
    },
  },
  {
    name: 'JPY net per group: three lines of 110 at 8% (a yen less than per line)',
    policy: { currency: 'JPY', taxation: 'net', ...GROUP },
    rows: [
      ['a', 1, '110', '0.08'],
      ['b', 1, '110', '0.08'],
      ['c', 1, '110', '0.08'],
    ],
    // group 3 × 8.8 = 26.4 → 26; lines show 9 each; order 330 + 26 = 356
    want: {
      lines: [
        ['110', '110', '110', '9'],
        ['110', '110', '110', '9'],
        ['110', '110', '110', '9'],
      ],
      productSubTotal: '330',
      productTotal: '330',
      merchandizeTotalTax: '26',
      adjustedMerchandizeTotalTax: '26',
      shippingTotal: '0',
      taxTotal: '26',
      groups: [['0.08', '26']],
      orderTotal: '356',
    },
  },
  {
    name: 'KWD gross per line, two rates',
    policy: { currency: 'KWD' },
    rows: [
      ['a', 1, '1.000', '0.2'],
      ['b', 2, '0.500', '0.2'],
      ['c', 1, '2.000', '0.08'],
    ],
    // a 1.000 / 6 = 0.16666… → 0.167; b 2 × 0.500 = 1.000 → 0.167; c 2.000 × 0.08 / 1.08 = 0.148148… → 0.148
    // groups ascending: 0.08 → 0.148; 0.2 → 0.167 + 0.167 = 0.334; total 0.482
    want: {
      lines: [
        ['1.000', '1.000', '1.000', '0.167'],
        ['1.000', '1.000', '1.000', '0.167'],
        ['2.000', '2.000', '2.000', '0.148'],
      ],
      productSubTotal: '4.000',
      productTotal: '4.000',
      merchandizeTotalTax: '0.482',
      adjustedMerchandizeTotalTax: '0.482',
      shippingTotal: '0.000',
      taxTotal: '0.482',
      groups: [
        ['0.08', '0.148'],
        ['0.2', '0.334'],
      ],
      orderTotal: '4.000',
    },
  },
  {
    name: 'KWD gross per group, two rates (a fils less than per line)',
    policy: { currency: 'KWD', ...GROUP },
    rows: [
      ['a', 1, '1.000', '0.2'],
      ['b', 2, '0.500', '0.2'],
      ['c', 1, '2.000', '0.08'],
    ],
    // 0.2 group: 0.16666… + 0.16666… = 0.33333… → 0.333; 0.08 group: 0.148148… → 0.148; total 0.481
    want: {
      lines: [
        ['1.000', '1.000', '1.000', '0.167'],
        ['1.000', '1.000', '1.000', '0.167'],
        ['2.000', '2.000', '2.000', '0.148'],
      ],
      productSubTotal: '4.000',
      productTotal: '4.000',
      merchandizeTotalTax: '0.481',
      adjustedMerchandizeTotalTax: '0.481',
      shippingTotal: '0.000',
      taxTotal: '0.481',
      groups: [
        ['0.08', '0.148'],
        ['0.2', '0.333'],
      ],
      orderTotal: '4.000',
    },
  },

  // ---------- item-level (product) adjustments ----------
  {
    name: 'USD gross item 15% off 2 × 24.99',
    rows: [['a', 2, '24.99', '0.18']],
    adjustments: [{ level: 'product', row: 0, type: 'percentage', value: '15' }],
    // price 49.98; 15% = 7.497 → 7.50; after 42.48; tax 42.48 × 0.18 / 1.18 = 7.6464 / 1.18 = 6.48 exactly
    // merchandize tax (before discounts) 49.98 × 0.18 / 1.18 = 8.9964 / 1.18 = 7.62406… → 7.62
    want: {
      lines: [['49.98', '42.48', '42.48', '6.48']],
      itemAdjustments: [['7.50']],
      productSubTotal: '42.48',
      productTotal: '42.48',
      merchandizeTotalTax: '7.62',
      adjustedMerchandizeTotalTax: '6.48',
      shippingTotal: '0.00',
      taxTotal: '6.48',
      groups: [['0.18', '6.48']],
      orderTotal: '42.48',
    },
  },
  {
    name: 'USD net half_even item 10% off 12.25: the discount itself is a half cent',
    policy: { ...USD_NET, ...EVEN },
    rows: [['a', 1, '12.25', '0.2']],
    adjustments: [{ level: 'product', row: 0, type: 'percentage', value: '10' }],
    // 10% of 12.25 = 1.225 → half_even 1.22; after 11.03; tax 11.03 × 0.2 = 2.206 → 2.21
    // merchandize tax 12.25 × 0.2 = 2.45; order 11.03 + 2.21 = 13.24
    want: {
      lines: [['12.25', '11.03', '11.03', '2.21']],
      itemAdjustments: [['1.22']],
      productSubTotal: '11.03',
      productTotal: '11.03',
      merchandizeTotalTax: '2.45',
      adjustedMerchandizeTotalTax: '2.21',
      shippingTotal: '0.00',
      taxTotal: '2.21',
      groups: [['0.2', '2.21']],
      orderTotal: '13.24',
    },
  },
  {
    name: 'USD net item amount 4.50 off a line of 3 × 10.00 (off the line, not each unit)',
    policy: USD_NET,
    rows: [['a', 3, '10.00', '0.2']],
    adjustments: [{ level: 'product', row: 0, type: 'amount', value: '4.50' }],
    // price 30.00 − 4.50 = 25.50; tax 25.50 × 0.2 = 5.10; merchandize 30.00 × 0.2 = 6.00; order 25.50 + 5.10 = 30.60
    want: {
      lines: [['30.00', '25.50', '25.50', '5.10']],
      itemAdjustments: [['4.50']],
      productSubTotal: '25.50',
      productTotal: '25.50',
      merchandizeTotalTax: '6.00',
      adjustedMerchandizeTotalTax: '5.10',
      shippingTotal: '0.00',
      taxTotal: '5.10',
      groups: [['0.2', '5.10']],
      orderTotal: '30.60',
    },
  },
  {
    name: 'EUR gross item fixed unit price 9.99 on 4 × 12.50',
    policy: { currency: 'EUR' },
    rows: [['a', 4, '12.50', '0.2']],
    adjustments: [{ level: 'product', row: 0, type: 'fixed_price', value: '9.99' }],
    // price 50.00; fixed 4 × 9.99 = 39.96 → 10.04 off; tax 39.96 / 6 = 6.66; merchandize 50.00 / 6 = 8.333… → 8.33
    want: {
      lines: [['50.00', '39.96', '39.96', '6.66']],
      itemAdjustments: [['10.04']],
      productSubTotal: '39.96',
      productTotal: '39.96',
      merchandizeTotalTax: '8.33',
      adjustedMerchandizeTotalTax: '6.66',
      shippingTotal: '0.00',
      taxTotal: '6.66',
      groups: [['0.2', '6.66']],
      orderTotal: '39.96',
    },
  },
  {
    name: 'TRY gross item amount then percentage: the percentage counts on the original price',
    policy: { currency: 'TRY' },
    rows: [['a', 1, '200.00', '0.18']],
    adjustments: [
      { level: 'product', row: 0, type: 'amount', value: '15.00' },
      { level: 'product', row: 0, type: 'percentage', value: '10' },
    ],
    // 15.00 off, then 10% of 200.00 = 20.00 (not of 185.00) → 165.00
    // tax 165.00 × 0.18 / 1.18 = 29.7 / 1.18 = 25.16949… → 25.17; merchandize 36 / 1.18 = 30.50847… → 30.51
    want: {
      lines: [['200.00', '165.00', '165.00', '25.17']],
      itemAdjustments: [['15.00', '20.00']],
      productSubTotal: '165.00',
      productTotal: '165.00',
      merchandizeTotalTax: '30.51',
      adjustedMerchandizeTotalTax: '25.17',
      shippingTotal: '0.00',
      taxTotal: '25.17',
      groups: [['0.18', '25.17']],
      orderTotal: '165.00',
    },
  },
  {
    name: 'USD gross item amount 8.00 off a 5.00 line: held at zero, flashed at its index',
    rows: [
      ['b', 1, '10.00', '0.2'],
      ['a', 1, '5.00', '0.2'],
    ],
    adjustments: [{ level: 'product', row: 1, type: 'amount', value: '8.00' }],
    // line b: 10.00 / 6 = 1.666… → 1.67; line a: wants 8.00, only 5.00 left → 5.00 off, 0.00, tax 0.00
    // merchandize (before discounts): 1.67 + 5.00 / 6 = 0.833… → 0.83 → 2.50
    want: {
      lines: [
        ['10.00', '10.00', '10.00', '1.67'],
        ['5.00', '0.00', '0.00', '0.00'],
      ],
      itemAdjustments: [[], ['5.00']],
      productSubTotal: '10.00',
      productTotal: '10.00',
      merchandizeTotalTax: '2.50',
      adjustedMerchandizeTotalTax: '1.67',
      shippingTotal: '0.00',
      taxTotal: '1.67',
      groups: [['0.2', '1.67']],
      orderTotal: '10.00',
      flashes: ['ProductItemAdjustedPriceLessThanZero $.product_items[1]'],
    },
  },
  {
    name: 'JPY gross two 60% adjustments on 1000: the second stops at zero',
    policy: { currency: 'JPY' },
    rows: [['a', 1, '1000', '0.1']],
    adjustments: [
      { level: 'product', row: 0, type: 'percentage', value: '60' },
      { level: 'product', row: 0, type: 'percentage', value: '60' },
    ],
    // 60% of 1000 = 600; again 600 wanted, 400 left → 400, flash; after 0, tax 0
    // merchandize 1000 × 0.1 / 1.1 = 90.909… → 91
    want: {
      lines: [['1000', '0', '0', '0']],
      itemAdjustments: [['600', '400']],
      productSubTotal: '0',
      productTotal: '0',
      merchandizeTotalTax: '91',
      adjustedMerchandizeTotalTax: '0',
      shippingTotal: '0',
      taxTotal: '0',
      groups: [['0.1', '0']],
      orderTotal: '0',
      flashes: ['ProductItemAdjustedPriceLessThanZero $.product_items[0]'],
    },
  },
  {
    name: 'USD gross fixed unit price above the price takes nothing off and flashes nothing',
    rows: [['a', 1, '10.00', '0.2']],
    adjustments: [{ level: 'product', row: 0, type: 'fixed_price', value: '12.00' }],
    // 10.00 − 12.00 = −2.00 → max(0, …) = 0.00 off; tax 10.00 / 6 = 1.666… → 1.67
    want: {
      lines: [['10.00', '10.00', '10.00', '1.67']],
      itemAdjustments: [['0.00']],
      productSubTotal: '10.00',
      productTotal: '10.00',
      merchandizeTotalTax: '1.67',
      adjustedMerchandizeTotalTax: '1.67',
      shippingTotal: '0.00',
      taxTotal: '1.67',
      groups: [['0.2', '1.67']],
      orderTotal: '10.00',
    },
  },
  {
    name: 'KWD net item fixed unit price 2.333 on 3 × 2.750',
    policy: { currency: 'KWD', taxation: 'net' },
    rows: [['a', 3, '2.750', '0.05']],
    adjustments: [{ level: 'product', row: 0, type: 'fixed_price', value: '2.333' }],
    // price 8.250; fixed 3 × 2.333 = 6.999 → 1.251 off; tax 6.999 × 0.05 = 0.34995 → 0.350
    // merchandize 8.250 × 0.05 = 0.4125 → half_up 0.413; order 6.999 + 0.350 = 7.349
    want: {
      lines: [['8.250', '6.999', '6.999', '0.350']],
      itemAdjustments: [['1.251']],
      productSubTotal: '6.999',
      productTotal: '6.999',
      merchandizeTotalTax: '0.413',
      adjustedMerchandizeTotalTax: '0.350',
      shippingTotal: '0.000',
      taxTotal: '0.350',
      groups: [['0.05', '0.350']],
      orderTotal: '7.349',
    },
  },
  {
    name: 'USD half_even line price rounded once from a 3-digit unit price',
    policy: EVEN,
    rows: [
      ['a', 3, '3.335', '0'],
      ['b', 1, '3.335', '0'],
    ],
    // a: 3 × 3.335 = 10.005 → half_even 10.00 (0 even); b: 3.335 → half_even 3.34 (3 odd → up); rate 0: no tax
    want: {
      lines: [
        ['10.00', '10.00', '10.00', '0.00'],
        ['3.34', '3.34', '3.34', '0.00'],
      ],
      productSubTotal: '13.34',
      productTotal: '13.34',
      merchandizeTotalTax: '0.00',
      adjustedMerchandizeTotalTax: '0.00',
      shippingTotal: '0.00',
      taxTotal: '0.00',
      groups: [['0', '0.00']],
      orderTotal: '13.34',
    },
  },

  // ---------- order-level adjustments, spread by largest remainder ----------
  {
    name: 'USD gross order 10.00 off three equal lines given out of order: the odd cent goes to the first position',
    rows: [
      ['c', 1, '10.00', '0.2'],
      ['a', 1, '10.00', '0.2'],
      ['b', 1, '10.00', '0.2'],
    ],
    positions: [2, 0, 1],
    adjustments: [{ level: 'order', type: 'amount', value: '10.00' }],
    // priced in position order a, b, c; 1000 cents × 1/3 = 333.33… each; floors 999; the 1 left → a (tie, earliest)
    // shares 3.34, 3.33, 3.33 → 6.66, 6.67, 6.67 (sum 20.00); taxes 6.66 / 6 = 1.11, 6.67 / 6 = 1.1116… → 1.11 → 3.33
    // merchandize 3 × (10.00 / 6 = 1.666… → 1.67) = 5.01
    want: {
      lines: [
        ['10.00', '10.00', '6.66', '1.11'],
        ['10.00', '10.00', '6.67', '1.11'],
        ['10.00', '10.00', '6.67', '1.11'],
      ],
      orderAdjustments: ['10.00'],
      productSubTotal: '30.00',
      productTotal: '20.00',
      merchandizeTotalTax: '5.01',
      adjustedMerchandizeTotalTax: '3.33',
      shippingTotal: '0.00',
      taxTotal: '3.33',
      groups: [['0.2', '3.33']],
      orderTotal: '20.00',
    },
  },
  {
    name: 'USD net order 15% of 30.01 = 4.5015 → 4.50, spread 19.99 : 10.02',
    policy: USD_NET,
    rows: [
      ['a', 1, '19.99', '0.2'],
      ['b', 2, '5.01', '0.08'],
    ],
    adjustments: [{ level: 'order', type: 'percentage', value: '15' }],
    // prices 19.99 and 2 × 5.01 = 10.02; subtotal 30.01; 15% = 4.5015 → 4.50 = 450 cents
    // a 450 × 1999 / 3001 = 299.7501, b 450 × 1002 / 3001 = 150.2499; floors 449; +1 → a: 3.00, 1.50
    // after 16.99 and 8.52 (sum 25.51); tax 16.99 × 0.2 = 3.398 → 3.40, 8.52 × 0.08 = 0.6816 → 0.68 → 4.08
    // merchandize 19.99 × 0.2 = 3.998 → 4.00, 10.02 × 0.08 = 0.8016 → 0.80 → 4.80; order 25.51 + 4.08 = 29.59
    want: {
      lines: [
        ['19.99', '19.99', '16.99', '3.40'],
        ['10.02', '10.02', '8.52', '0.68'],
      ],
      orderAdjustments: ['4.50'],
      productSubTotal: '30.01',
      productTotal: '25.51',
      merchandizeTotalTax: '4.80',
      adjustedMerchandizeTotalTax: '4.08',
      shippingTotal: '0.00',
      taxTotal: '4.08',
      groups: [
        ['0.08', '0.68'],
        ['0.2', '3.40'],
      ],
      orderTotal: '29.59',
    },
  },
  {
    name: 'JPY gross order fixed price 3000 on 3500, two rates',
    policy: { currency: 'JPY' },
    rows: [
      ['a', 1, '1000', '0.1'],
      ['b', 1, '2000', '0.1'],
      ['c', 1, '500', '0.08'],
    ],
    adjustments: [{ level: 'order', type: 'fixed_price', value: '3000' }],
    // 3500 − 3000 = 500 off; 500 × 1000/3500 = 142.857, × 2000/3500 = 285.714, × 500/3500 = 71.428; floors 498
    // 2 left → a (.857), b (.714): 143, 286, 71 → after 857, 1714, 429 (sum 3000)
    // tax 857 / 11 = 77.9 → 78; 1714 / 11 = 155.8 → 156; 429 × 0.08 / 1.08 = 31.77… → 32; groups 0.08: 32, 0.1: 234; 266
    // merchandize 1000 / 11 = 90.9 → 91; 2000 / 11 = 181.8 → 182; 500 × 0.08 / 1.08 = 37.03 → 37; 310
    want: {
      lines: [
        ['1000', '1000', '857', '78'],
        ['2000', '2000', '1714', '156'],
        ['500', '500', '429', '32'],
      ],
      orderAdjustments: ['500'],
      productSubTotal: '3500',
      productTotal: '3000',
      merchandizeTotalTax: '310',
      adjustedMerchandizeTotalTax: '266',
      shippingTotal: '0',
      taxTotal: '266',
      groups: [
        ['0.08', '32'],
        ['0.1', '234'],
      ],
      orderTotal: '3000',
    },
  },
  {
    name: 'KWD net per group: order 0.100 off two 1.000 lines at 5% — per line 0.048 + 0.048, per group 0.095',
    policy: { currency: 'KWD', taxation: 'net', ...GROUP },
    rows: [
      ['a', 1, '1.000', '0.05'],
      ['b', 1, '1.000', '0.05'],
    ],
    adjustments: [{ level: 'order', type: 'amount', value: '0.100' }],
    // 100 fils split 50 : 50 → 0.950 each; tax 0.950 × 0.05 = 0.0475 → 0.048 per line (shown)
    // group 0.0475 + 0.0475 = 0.0950 → 0.095; merchandize group 0.05 + 0.05 = 0.100; order 1.900 + 0.095 = 1.995
    want: {
      lines: [
        ['1.000', '1.000', '0.950', '0.048'],
        ['1.000', '1.000', '0.950', '0.048'],
      ],
      orderAdjustments: ['0.100'],
      productSubTotal: '2.000',
      productTotal: '1.900',
      merchandizeTotalTax: '0.100',
      adjustedMerchandizeTotalTax: '0.095',
      shippingTotal: '0.000',
      taxTotal: '0.095',
      groups: [['0.05', '0.095']],
      orderTotal: '1.995',
    },
  },
  {
    name: 'USD gross item 20% then order 10% of 33.99 = 3.399 → 3.40, spread 24.00 : 9.99',
    rows: [
      ['a', 2, '15.00', '0.18'],
      ['b', 1, '9.99', '0.08'],
    ],
    adjustments: [
      { level: 'product', row: 0, type: 'percentage', value: '20' },
      { level: 'order', type: 'percentage', value: '10' },
    ],
    // a: 30.00 − 20% (6.00) = 24.00; b 9.99; subtotal 33.99; 10% = 3.399 → 3.40 = 340 cents
    // a 340 × 2400 / 3399 = 240.0706, b 340 × 999 / 3399 = 99.9294; floors 339; +1 → b: 2.40, 1.00 → 21.60, 8.99
    // tax 21.60 × 0.18 / 1.18 = 3.888 / 1.18 = 3.2949… → 3.29; 8.99 × 0.08 / 1.08 = 0.7192 / 1.08 = 0.6659… → 0.67; 3.96
    // merchandize 30.00 × 0.18 / 1.18 = 4.5762… → 4.58; 9.99 × 0.08 / 1.08 = 0.7992 / 1.08 = 0.74 exactly; 5.32
    want: {
      lines: [
        ['30.00', '24.00', '21.60', '3.29'],
        ['9.99', '9.99', '8.99', '0.67'],
      ],
      itemAdjustments: [['6.00'], []],
      orderAdjustments: ['3.40'],
      productSubTotal: '33.99',
      productTotal: '30.59',
      merchandizeTotalTax: '5.32',
      adjustedMerchandizeTotalTax: '3.96',
      shippingTotal: '0.00',
      taxTotal: '3.96',
      groups: [
        ['0.08', '0.67'],
        ['0.18', '3.29'],
      ],
      orderTotal: '30.59',
    },
  },
  {
    name: 'USD net order amount then percentage: the percentage counts on the subtotal, not on what is left',
    policy: USD_NET,
    rows: [
      ['a', 1, '40.00', '0.2'],
      ['b', 1, '60.00', '0.2'],
    ],
    adjustments: [
      { level: 'order', type: 'amount', value: '5.00' },
      { level: 'order', type: 'percentage', value: '10' },
    ],
    // 5.00, then 10% of 100.00 = 10.00 → 15.00 off, split 40 : 60 = 6.00 : 9.00 → 34.00, 51.00
    // tax 6.80 + 10.20 = 17.00; merchandize 8.00 + 12.00 = 20.00; order 85.00 + 17.00 = 102.00
    want: {
      lines: [
        ['40.00', '40.00', '34.00', '6.80'],
        ['60.00', '60.00', '51.00', '10.20'],
      ],
      orderAdjustments: ['5.00', '10.00'],
      productSubTotal: '100.00',
      productTotal: '85.00',
      merchandizeTotalTax: '20.00',
      adjustedMerchandizeTotalTax: '17.00',
      shippingTotal: '0.00',
      taxTotal: '17.00',
      groups: [['0.2', '17.00']],
      orderTotal: '102.00',
    },
  },
  {
    name: 'TRY gross half_even: item 0.05 off, order 50% of 100.05 = 50.025 → 50.02',
    policy: { currency: 'TRY', ...EVEN },
    rows: [
      ['a', 1, '100.00', '0.18'],
      ['b', 1, '0.10', '0.18'],
    ],
    adjustments: [
      { level: 'product', row: 0, type: 'amount', value: '0.05' },
      { level: 'order', type: 'percentage', value: '50' },
    ],
    // a 99.95, b 0.10; subtotal 100.05; 50% = 50.025 → half_even 50.02 = 5002 kuruş
    // a 5002 × 9995 / 10005 = 4997.0005, b 5002 × 10 / 10005 = 4.9995; floors 5001; +1 → b: 49.97, 0.05
    // after 49.98 and 0.05 (sum 50.03); tax 49.98 × 0.18 / 1.18 = 8.9964 / 1.18 = 7.6240… → 7.62, 0.05 × 0.18 / 1.18 = 0.0076… → 0.01; 7.63
    // merchandize 100.00 × 0.18 / 1.18 = 15.254… → 15.25, 0.10 × 0.18 / 1.18 = 0.01525… → 0.02; 15.27
    want: {
      lines: [
        ['100.00', '99.95', '49.98', '7.62'],
        ['0.10', '0.10', '0.05', '0.01'],
      ],
      itemAdjustments: [['0.05'], []],
      orderAdjustments: ['50.02'],
      productSubTotal: '100.05',
      productTotal: '50.03',
      merchandizeTotalTax: '15.27',
      adjustedMerchandizeTotalTax: '7.63',
      shippingTotal: '0.00',
      taxTotal: '7.63',
      groups: [['0.18', '7.63']],
      orderTotal: '50.03',
    },
  },

  // ---------- shipping ----------
  {
    name: 'USD gross shipping taxed at its own rate, in its own group',
    rows: [['a', 1, '50.00', '0.08']],
    shipping: { price: '7.50', rate: '0.2' },
    // product 50.00 × 0.08 / 1.08 = 3.7037… → 3.70; shipping 7.50 / 6 = 1.25; tax 4.95; order 50.00 + 7.50 = 57.50
    want: {
      lines: [['50.00', '50.00', '50.00', '3.70']],
      productSubTotal: '50.00',
      productTotal: '50.00',
      merchandizeTotalTax: '3.70',
      adjustedMerchandizeTotalTax: '3.70',
      shippingTotal: '7.50',
      shippingTotalTax: '1.25',
      taxTotal: '4.95',
      groups: [
        ['0.08', '3.70'],
        ['0.2', '1.25'],
      ],
      orderTotal: '57.50',
    },
  },
  {
    name: 'USD net shipping free at exactly free_over: no charge, no tax, no group of its own',
    policy: USD_NET,
    rows: [['a', 2, '25.00', '0.2']],
    shipping: { price: '5.00', rate: '0.1', freeOver: '50.00' },
    // products 2 × 25.00 = 50.00 ≥ 50.00 → shipping 0.00 (nothing taxed at 0.1); tax 50.00 × 0.2 = 10.00
    // order 50.00 + 0.00 + 10.00 = 60.00
    want: {
      lines: [['50.00', '50.00', '50.00', '10.00']],
      productSubTotal: '50.00',
      productTotal: '50.00',
      merchandizeTotalTax: '10.00',
      adjustedMerchandizeTotalTax: '10.00',
      shippingTotal: '0.00',
      shippingTotalTax: '0.00',
      taxTotal: '10.00',
      groups: [['0.2', '10.00']],
      orderTotal: '60.00',
    },
  },
  {
    name: 'USD gross order discount beyond the subtotal: products free, shipping still charged and taxed',
    rows: [['a', 1, '10.00', '0.2']],
    adjustments: [{ level: 'order', type: 'amount', value: '50.00' }],
    shipping: { price: '4.99', rate: '0.2', freeOver: '50.00' },
    // order discount capped at 10.00 → products 0.00 (< 50.00: shipping charged 4.99); shipping tax 4.99 / 6 = 0.8316… → 0.83
    // merchandize 10.00 / 6 → 1.67; order 0.00 + 4.99 = 4.99
    want: {
      lines: [['10.00', '10.00', '0.00', '0.00']],
      orderAdjustments: ['10.00'],
      productSubTotal: '10.00',
      productTotal: '0.00',
      merchandizeTotalTax: '1.67',
      adjustedMerchandizeTotalTax: '0.00',
      shippingTotal: '4.99',
      shippingTotalTax: '0.83',
      taxTotal: '0.83',
      groups: [['0.2', '0.83']],
      orderTotal: '4.99',
    },
  },
  {
    name: 'USD gross free_over is measured on the product total after the order discount',
    rows: [['a', 1, '55.00', '0.2']],
    adjustments: [{ level: 'order', type: 'amount', value: '10.00' }],
    shipping: { price: '4.90', rate: '0.2', freeOver: '50.00' },
    // subtotal 55.00 reaches 50.00 but the product total 45.00 does not → shipping 4.90
    // tax 45.00 / 6 = 7.50; shipping 4.90 / 6 = 0.8166… → 0.82; 8.32; merchandize 55.00 / 6 = 9.166… → 9.17; order 45.00 + 4.90 = 49.90
    want: {
      lines: [['55.00', '55.00', '45.00', '7.50']],
      orderAdjustments: ['10.00'],
      productSubTotal: '55.00',
      productTotal: '45.00',
      merchandizeTotalTax: '9.17',
      adjustedMerchandizeTotalTax: '7.50',
      shippingTotal: '4.90',
      shippingTotalTax: '0.82',
      taxTotal: '8.32',
      groups: [['0.2', '8.32']],
      orderTotal: '49.90',
    },
  },
  {
    name: 'USD gross per group: product and shipping share a rate; group 4.01, so the shipment adds 2.00',
    policy: GROUP,
    rows: [['a', 1, '12.03', '0.2']],
    shipping: { price: '12.03', rate: '0.2' },
    // product 12.03 / 6 = 2.005 → shown 2.01; the 0.2 group with shipping 2.005 + 2.005 = 4.010 → 4.01
    // adjusted merchandize (products alone, per group) 2.005 → 2.01; the shipment's tax is what it adds
    // to the groups: 4.01 − 2.01 = 2.00 (so 2.01 + 2.00 = tax total); order 12.03 + 12.03 = 24.06
    want: {
      lines: [['12.03', '12.03', '12.03', '2.01']],
      productSubTotal: '12.03',
      productTotal: '12.03',
      merchandizeTotalTax: '2.01',
      adjustedMerchandizeTotalTax: '2.01',
      shippingTotal: '12.03',
      shippingTotalTax: '2.00',
      taxTotal: '4.01',
      groups: [['0.2', '4.01']],
      orderTotal: '24.06',
    },
  },
  {
    name: 'JPY net shipping below free_over',
    policy: { currency: 'JPY', taxation: 'net' },
    rows: [['a', 3, '980', '0.1']],
    shipping: { price: '500', rate: '0.1', freeOver: '3000' },
    // products 3 × 980 = 2940 < 3000 → shipping 500; tax 294 + 50 = 344; order 2940 + 500 + 344 = 3784
    want: {
      lines: [['2940', '2940', '2940', '294']],
      productSubTotal: '2940',
      productTotal: '2940',
      merchandizeTotalTax: '294',
      adjustedMerchandizeTotalTax: '294',
      shippingTotal: '500',
      shippingTotalTax: '50',
      taxTotal: '344',
      groups: [['0.1', '344']],
      orderTotal: '3784',
    },
  },
  {
    name: 'JPY net per group half_even: 10.5 + 10.5 + shipping 0.5 → group 21.5 → 22',
    policy: { currency: 'JPY', taxation: 'net', ...GROUP, ...EVEN },
    rows: [
      ['a', 1, '105', '0.1'],
      ['b', 1, '105', '0.1'],
    ],
    shipping: { price: '5', rate: '0.1' },
    // line taxes 10.5 → half_even 10 each; the 0.1 group 10.5 + 10.5 + 0.5 = 21.5 → 22 (1 odd → up)
    // adjusted merchandize (products alone) 21.0 → 21; the shipment adds 22 − 21 = 1; order 210 + 5 + 22 = 237
    want: {
      lines: [
        ['105', '105', '105', '10'],
        ['105', '105', '105', '10'],
      ],
      productSubTotal: '210',
      productTotal: '210',
      merchandizeTotalTax: '21',
      adjustedMerchandizeTotalTax: '21',
      shippingTotal: '5',
      shippingTotalTax: '1',
      taxTotal: '22',
      groups: [['0.1', '22']],
      orderTotal: '237',
    },
  },
  {
    name: 'KWD gross shipping at 20%, product at 5%',
    policy: { currency: 'KWD' },
    rows: [['a', 1, '4.750', '0.05']],
    shipping: { price: '1.500', rate: '0.2' },
    // product 4.750 × 0.05 / 1.05 = 4.75 / 21 = 0.22619… → 0.226; shipping 1.500 / 6 = 0.250; 0.476; order 4.750 + 1.500 = 6.250
    want: {
      lines: [['4.750', '4.750', '4.750', '0.226']],
      productSubTotal: '4.750',
      productTotal: '4.750',
      merchandizeTotalTax: '0.226',
      adjustedMerchandizeTotalTax: '0.226',
      shippingTotal: '1.500',
      shippingTotalTax: '0.250',
      taxTotal: '0.476',
      groups: [
        ['0.05', '0.226'],
        ['0.2', '0.250'],
      ],
      orderTotal: '6.250',
    },
  },
  {
    name: 'EUR net per group half_even: item 10%, order amount, shipping below free_over',
    policy: { currency: 'EUR', taxation: 'net', ...GROUP, ...EVEN },
    rows: [
      ['a', 3, '4.15', '0.2'],
      ['b', 1, '7.79', '0.2'],
    ],
    adjustments: [
      { level: 'product', row: 0, type: 'percentage', value: '10' },
      { level: 'order', type: 'amount', value: '1.00' },
    ],
    shipping: { price: '3.95', rate: '0.2', freeOver: '20.00' },
    // a 3 × 4.15 = 12.45; 10% = 1.245 → half_even 1.24 → 11.21; b 7.79; subtotal 19.00
    // 100 cents × 1121/1900 = 59, × 779/1900 = 41 exactly → 10.62, 7.38; products 18.00 < 20.00 → shipping 3.95
    // line taxes 10.62 × 0.2 = 2.124 → 2.12, 7.38 × 0.2 = 1.476 → 1.48, shipping 3.95 × 0.2 = 0.79
    // group 2.124 + 1.476 + 0.790 = 4.390 → 4.39; adjusted merchandize 3.600 → 3.60; merchandize 2.49 + 1.558 = 4.048 → 4.05
    // order 18.00 + 3.95 + 4.39 = 26.34
    want: {
      lines: [
        ['12.45', '11.21', '10.62', '2.12'],
        ['7.79', '7.79', '7.38', '1.48'],
      ],
      itemAdjustments: [['1.24'], []],
      orderAdjustments: ['1.00'],
      productSubTotal: '19.00',
      productTotal: '18.00',
      merchandizeTotalTax: '4.05',
      adjustedMerchandizeTotalTax: '3.60',
      shippingTotal: '3.95',
      shippingTotalTax: '0.79',
      taxTotal: '4.39',
      groups: [['0.2', '4.39']],
      orderTotal: '26.34',
    },
  },
  {
    name: 'JPY gross per group: rates 0, 8% and 10%, shipping free over 3000',
    policy: { currency: 'JPY', ...GROUP },
    rows: [
      ['a', 2, '1280', '0.1'],
      ['b', 1, '330', '0.08'],
      ['c', 1, '500', '0'],
    ],
    shipping: { price: '800', rate: '0.1', freeOver: '3000' },
    // products 2560 + 330 + 500 = 3390 ≥ 3000 → shipping 0
    // a 2560 / 11 = 232.72… → 233; b 330 × 0.08 / 1.08 = 24.44… → 24; c 0; groups 0: 0, 0.08: 24, 0.1: 233 (+ shipping 0); 257
    want: {
      lines: [
        ['2560', '2560', '2560', '233'],
        ['330', '330', '330', '24'],
        ['500', '500', '500', '0'],
      ],
      productSubTotal: '3390',
      productTotal: '3390',
      merchandizeTotalTax: '257',
      adjustedMerchandizeTotalTax: '257',
      shippingTotal: '0',
      shippingTotalTax: '0',
      taxTotal: '257',
      groups: [
        ['0', '0'],
        ['0.08', '24'],
        ['0.1', '233'],
      ],
      orderTotal: '3390',
    },
  },
];

describe('priceBasket, worked by hand', () => {
  it('has enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(32);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const policy = policyOf(c.policy);
    const digits = minorUnits(policy.currency);
    /** The figure as text with the currency's digits, after checking it carries no more than those. */
    const f = (x: Money): string => {
      expect(x.decimalPlaces(), `${x.toString()} has more digits than ${policy.currency} allows`).toBeLessThanOrEqual(digits);
      return formatMoney(x, policy.currency);
    };
    const p = price(c);
    const w = c.want;
    const zero = formatMoney(m('0'), policy.currency);

    // Lines come out in position order, whatever order they were handed in.
    const byPosition = c.rows
      .map((r, i) => ({ sku: r[0], at: c.positions?.[i] ?? i }))
      .sort((a, b) => a.at - b.at)
      .map((r) => r.sku);
    expect(p.lines.map((l) => l.line.sku)).toEqual(byPosition);
    expect(p.lines.map((l) => [f(l.price), f(l.priceAfterItemDiscount), f(l.priceAfterOrderDiscount), f(l.tax)])).toEqual(w.lines);
    expect(p.lines.map((l) => l.adjustments.map((a) => f(a.amount)))).toEqual(w.itemAdjustments ?? w.lines.map(() => []));
    expect(p.orderAdjustments.map((a) => f(a.amount))).toEqual(w.orderAdjustments ?? []);
    const t = p.totals;
    expect({
      productSubTotal: f(t.productSubTotal),
      productTotal: f(t.productTotal),
      merchandizeTotalTax: f(t.merchandizeTotalTax),
      adjustedMerchandizeTotalTax: f(t.adjustedMerchandizeTotalTax),
      shippingTotal: f(t.shippingTotal),
      shippingTotalTax: f(t.shippingTotalTax),
      taxTotal: f(t.taxTotal),
      groups: t.groupedTaxItems.map((g) => [g.taxRate.toString(), f(g.taxValue)]),
      orderTotal: f(t.orderTotal),
    }).toEqual({
      productSubTotal: w.productSubTotal,
      productTotal: w.productTotal,
      merchandizeTotalTax: w.merchandizeTotalTax,
      adjustedMerchandizeTotalTax: w.adjustedMerchandizeTotalTax,
      shippingTotal: w.shippingTotal,
      shippingTotalTax: w.shippingTotalTax ?? zero,
      taxTotal: w.taxTotal,
      groups: w.groups,
      orderTotal: w.orderTotal,
    });
    expect(p.flashes.map((x) => `${x.type} ${x.path}`)).toEqual(w.flashes ?? []);
    expect(t.totalQuantity).toBe(c.rows.reduce((n, r) => n + r[1], 0));
    if (c.shipping) expect(p.shipping && f(p.shipping.price)).toBe(w.shippingTotal);
    else expect(p.shipping).toBeNull();

    // The parts the hand figures add up to, as the contract promises.
    const add = (xs: readonly string[]) => xs.reduce((s, x) => s.plus(x), m('0'));
    expect(formatMoney(add(w.lines.map((l) => l[2])), policy.currency)).toBe(w.productTotal);
    expect(formatMoney(add(w.lines.map((l) => l[1])), policy.currency)).toBe(w.productSubTotal);
    expect(formatMoney(add(w.groups.map((g) => g[1])), policy.currency)).toBe(w.taxTotal);
  });
});
