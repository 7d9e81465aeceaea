import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Money, formatMoney, minorUnits, moneyRounder, roundMoney } from '../../src/domain/money.js';
import { computeTax, groupTaxes, taxOf, taxParts, type TaxBreakdown } from '../../src/domain/tax.js';
import type { PricingPolicy } from '../../src/domain/types.js';

const m = (s: string) => new Money(s);

describe('roundMoney', () => {
  it.each([
    // amount, currency, mode, expected — half-way cases decide the mode
    ['2.345', 'USD', 'half_up', '2.35'],
    ['2.345', 'USD', 'half_even', '2.34'],
    ['2.355', 'USD', 'half_even', '2.36'],
    ['-2.345', 'USD', 'half_up', '-2.35'],
    ['100.5', 'JPY', 'half_up', '101'],
    ['100.5', 'JPY', 'half_even', '100'],
    ['1.2345', 'KWD', 'half_up', '1.235'],
    ['1.2345', 'KWD', 'half_even', '1.234'],
    ['0.0049', 'EUR', 'half_up', '0'],
  ] as const)('rounds %s %s %s to %s', (amount, currency, mode, expected) => {
    expect(roundMoney(m(amount), currency, mode).toString()).toBe(expected);
  });

  it('knows minor units of 0-, 2- and 3-digit currencies', () => {
    expect([minorUnits('JPY'), minorUnits('USD'), minorUnits('TRY'), minorUnits('KWD')]).toEqual([0, 2, 2, 3]);
    expect(formatMoney(m('5'), 'USD')).toBe('5.00');
    expect(formatMoney(m('5'), 'JPY')).toBe('5');
    expect(formatMoney(m('1.25'), 'KWD')).toBe('1.250');
  });

  it('formats exactly as toFixed to the minor unit, whatever the amount (already rounded or not)', () => {
    const digits = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
    fc.assert(
      fc.property(digits, fc.integer({ min: -12, max: 12 }), fc.constantFrom('USD', 'JPY', 'KWD', 'CLF', 'eur'), (d, shift, currency) => {
        const amount = new Money(d.toString()).times(new Money(10).pow(shift));
        expect(formatMoney(amount, currency)).toBe(amount.toFixed(minorUnits(currency)));
      }),
      { numRuns: 2000 },
    );
    for (const s of ['0', '-0', '-0.001', '-0.004', '-0.005', '0.5', '-12.5', '1e-7', '123456789012345678901234567890.1', '-1e20'])
      for (const c of ['USD', 'JPY', 'KWD']) expect(formatMoney(m(s), c)).toBe(m(s).toFixed(minorUnits(c)));
    expect(formatMoney(m('NaN'), 'USD')).toBe('NaN');
  });

  it('keeps exact decimals where floats would drift', () => {
    expect(m('0.1').plus(m('0.2')).toString()).toBe('0.3');
    expect(m('19.99').times(3).toString()).toBe('59.97');
  });
});

describe('taxOf', () => {
  it('takes the tax out of a gross amount: a × r / (1 + r)', () => {
    // 118 × 0.18 / 1.18 = 18
    expect(taxOf(m('118'), m('0.18'), 'gross').toString()).toBe('18');
  });
  it('puts the tax on top of a net amount: a × r', () => {
    expect(taxOf(m('100'), m('0.18'), 'net').toString()).toBe('18');
  });
  it('is zero at a zero rate', () => {
    expect(taxOf(m('100'), m('0'), 'gross').isZero()).toBe(true);
  });
});

describe('computeTax', () => {
  const policy = (over: Partial<PricingPolicy>): PricingPolicy => ({
    currency: 'USD',
    taxation: 'net',
    taxRoundedAtGroup: false,
    roundingMode: 'half_up',
    ...over,
  });
  // Three lines of 0.10 at 5%: each tax is 0.005.
  const lines = [0, 1, 2].map(() => ({ rate: m('0.05'), amount: m('0.10') }));

  it('rounds per line, then sums: 3 × round(0.005) = 3 × 0.01 = 0.03', () => {
    const t = computeTax(lines, policy({}));
    expect(t.lineTaxes.map(String)).toEqual(['0.01', '0.01', '0.01']);
    expect(t.total.toString()).toBe('0.03');
  });

  it('rounds per rate group: round(0.005 × 3 = 0.015) = 0.02', () => {
    const t = computeTax(lines, policy({ taxRoundedAtGroup: true }));
    expect(t.total.toString()).toBe('0.02');
    expect(t.groups).toHaveLength(1);
  });

  it('rounds the group half-even when the site says so: 0.025 → 0.02', () => {
    const five = [0, 1, 2, 3, 4].map(() => ({ rate: m('0.05'), amount: m('0.10') }));
    expect(computeTax(five, policy({ taxRoundedAtGroup: true, roundingMode: 'half_even' })).total.toString()).toBe('0.02');
    expect(computeTax(five, policy({ taxRoundedAtGroup: true, roundingMode: 'half_up' })).total.toString()).toBe('0.03');
  });

  it('lists one group per rate, ascending', () => {
    const t = computeTax(
      [
        { rate: m('0.18'), amount: m('100') },
        { rate: m('0.08'), amount: m('50') },
        { rate: m('0.18'), amount: m('10') },
      ],
      policy({}),
    );
    // 0.08: 50 × 0.08 = 4.00; 0.18: 18.00 + 1.80 = 19.80
    expect(t.groups.map((g) => [g.rate.toString(), g.tax.toString()])).toEqual([
      ['0.08', '4'],
      ['0.18', '19.8'],
    ]);
    expect(t.total.toString()).toBe('23.8');
  });
});

describe('moneyRounder', () => {
  it('rounds exactly as roundMoney does, for every currency exponent and mode', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.constantFrom('USD', 'JPY', 'KWD', 'CLF', 'eur'),
        fc.constantFrom('half_up' as const, 'half_even' as const),
        (micros, currency, mode) => {
          const amount = new Money(micros.toString()).dividedBy(1_000_000);
          expect(moneyRounder(currency, mode)(amount).toString()).toBe(roundMoney(amount, currency, mode).toString());
        },
      ),
    );
  });
});

describe('groupTaxes of taxParts', () => {
  const text = (t: TaxBreakdown) => ({
    lineTaxes: t.lineTaxes.map(String),
    groups: t.groups.map((g) => [g.rate.toString(), g.tax.toString()]),
    total: t.total.toString(),
  });
  const line = fc.record({
    rate: fc.constantFrom('0', '0.05', '0.08', '0.18', '0.2', '0.075').map((r) => new Money(r)),
    amount: fc.integer({ min: 0, max: 10_000_000 }).map((cents) => new Money(cents).dividedBy(100)),
  });

  it('lines taxed apart and grouped together give what computeTax gives for all of them at once', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.array(line, { maxLength: 4 }),
        fc.constantFrom('gross' as const, 'net' as const),
        fc.boolean(),
        fc.constantFrom('half_up' as const, 'half_even' as const),
        (products, shipping, taxation, taxRoundedAtGroup, roundingMode) => {
          const policy: PricingPolicy = { currency: 'USD', taxation, taxRoundedAtGroup, roundingMode };
          const grouped = groupTaxes([...taxParts(products, policy), ...taxParts(shipping, policy)], policy);
          expect(text(grouped)).toEqual(text(computeTax([...products, ...shipping], policy)));
        },
      ),
    );
  });
});
