import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money } from '../../src/domain/money.js';
import { allocateByLargestRemainder } from '../../src/domain/allocation.js';

const m = (s: string) => new Money(s);
const strs = (xs: Money[]) => xs.map((x) => x.toFixed(2));

describe('allocateByLargestRemainder', () => {
  it('splits 10.00 over three equal lines as 3.34, 3.33, 3.33', () => {
    // exact 3.333… each: floors 3.33 ×3 = 9.99, one cent left → the first (ties: earliest)
    expect(strs(allocateByLargestRemainder(m('10.00'), [m('5'), m('5'), m('5')], 'USD'))).toEqual(['3.34', '3.33', '3.33']);
  });
  it('gives the leftover cent to the largest remainder', () => {
    // 1.00 over 1 : 2 → 0.333… and 0.666…: floors 0.33 + 0.66 = 0.99; remainders .3 and .6 → second
    expect(strs(allocateByLargestRemainder(m('1.00'), [m('1'), m('2')], 'USD'))).toEqual(['0.33', '0.67']);
  });
  it('works in whole yen and in fils', () => {
    expect(allocateByLargestRemainder(m('100'), [m('1'), m('1'), m('1')], 'JPY').map(String)).toEqual(['34', '33', '33']);
    expect(allocateByLargestRemainder(m('0.010'), [m('1'), m('1'), m('1')], 'KWD').map((x) => x.toFixed(3))).toEqual(['0.004', '0.003', '0.003']);
  });
  it('is zero everywhere for a zero total or zero weights', () => {
    expect(strs(allocateByLargestRemainder(m('0'), [m('1')], 'USD'))).toEqual(['0.00']);
    expect(strs(allocateByLargestRemainder(m('5'), [m('0'), m('0')], 'USD'))).toEqual(['0.00', '0.00']);
  });
  it('always adds up to the total exactly and never gives a line more than its weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 100 }), (cents, pct) => {
        const weights = cents.map((c) => new Money(c).dividedBy(100));
        const whole = weights.reduce((a, b) => a.plus(b), new Money(0));
        const total = whole.times(pct).dividedBy(100).toDecimalPlaces(2, Money.ROUND_DOWN);
        const parts = allocateByLargestRemainder(total, weights, 'USD');
        expect(parts.reduce((a, b) => a.plus(b), new Money(0)).eq(total)).toBe(true);
        parts.forEach((p, i) => expect(p.lte(weights[i]!)).toBe(true));
      }),
      { numRuns: 300 },
    );
  });
});
