/**
 * The pricing pieces renderers used to carry: the two-way split of order discounts over lines (Akinon's
 * per-line badges) and a shipping method's quote for a basket. Properties over random baskets, plus
 * hand-worked cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateByLargestRemainder } from '../../src/domain/allocation.js';
import { splitOrderDiscounts } from '../../src/domain/discount-split.js';
import { Money, minorUnits, sum } from '../../src/domain/money.js';
import { shippingQuote } from '../../src/domain/shipping.js';

const CURRENCIES = ['USD', 'JPY', 'KWD'] as const;
const money = (units: number, currency: string) => new Money(units).dividedBy(new Money(10).pow(minorUnits(currency)));

describe('splitOrderDiscounts', () => {
  it('hand-worked: 3.00 and 1.00 over lines of 10.00 and 20.00 whose shares pricing set at 1.33 and 2.67', () => {
    const grid = splitOrderDiscounts(
      [new Money('3.00'), new Money('1.00')],
      [new Money('10.00'), new Money('20.00')],
      [new Money('1.33'), new Money('2.67')],
      'USD',
    );
    // 3.00 by 1:2 → 1.00 / 2.00; 1.00 → 0.33 / 0.67 (largest remainder: 0.666… wins the cent). Columns 1.33 / 2.67.
    expect(grid.map((row) => row.map((m) => m.toFixed(2)))).toEqual([
      ['1.00', '2.00'],
      ['0.33', '0.67'],
    ]);
  });

  it('rows add up to the discounts, columns to the lines’ shares, no part is negative, and it is deterministic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 4 }),
        (currency, weightUnits, discountWeights) => {
          const weights = weightUnits.map((u) => money(u, currency));
          const subtotal = sum(weights);
          // Discounts that together take at most the subtotal, as pricing caps them.
          const amounts = allocateByLargestRemainder(
            subtotal.times(discountWeights.length).dividedBy(discountWeights.length + 1),
            discountWeights.map((w) => new Money(w)),
            currency,
          );
          // Pricing spreads their total by largest remainder over the same weights: those are the shares.
          const shares = allocateByLargestRemainder(sum(amounts), weights, currency);
          const grid = splitOrderDiscounts(amounts, weights, shares, currency);
          grid.forEach((row, j) => expect(sum(row).eq(amounts[j]!)).toBe(true));
          shares.forEach((s, i) => expect(sum(grid.map((row) => row[i]!)).eq(s)).toBe(true));
          expect(grid.flat().every((m) => m.gte(0) && m.decimalPlaces() <= minorUnits(currency))).toBe(true);
          expect(splitOrderDiscounts(amounts, weights, shares, currency).map((r) => r.map(String))).toEqual(grid.map((r) => r.map(String)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('shares that add up to more than the discounts (figures that disagree) are still met, by the first discount', () => {
    const grid = splitOrderDiscounts([new Money('1.00')], [new Money('5.00'), new Money('5.00')], [new Money('0.60'), new Money('0.60')], 'USD');
    expect(grid[0]!.map((m) => m.toFixed(2))).toEqual(['0.60', '0.60']);
  });

  it('no discounts or no lines: an empty split', () => {
    expect(splitOrderDiscounts([], [new Money(1)], [new Money(0)], 'USD')).toEqual([]);
    expect(splitOrderDiscounts([new Money(1)], [], [], 'USD')).toEqual([[]]);
  });
});

describe('shippingQuote', () => {
  const method = { id: 'std', name: 'Standard', price: new Money('4.995'), taxRate: new Money('0.2'), freeOver: new Money('50') };
  it('is the method’s price rounded to the currency by the site’s mode, free from its threshold on (inclusive)', () => {
    expect(shippingQuote(method, new Money('49.99'), 'USD', 'half_up').toFixed(2)).toBe('5.00');
    expect(shippingQuote(method, new Money('49.99'), 'USD', 'half_even').toFixed(2)).toBe('5.00');
    expect(shippingQuote({ ...method, price: new Money('4.985') }, new Money(0), 'USD', 'half_even').toFixed(2)).toBe('4.98');
    expect(shippingQuote(method, new Money('50.00'), 'USD', 'half_up').toFixed(2)).toBe('0.00');
    expect(shippingQuote({ ...method, freeOver: null }, new Money('1000000'), 'USD', 'half_up').toFixed(2)).toBe('5.00');
    expect(shippingQuote(method, new Money('10'), 'JPY', 'half_up').toFixed(0)).toBe('5');
  });
});
