/**
 * Tax of amounts under gross or net taxation (README "Money"). Pure; returns unrounded amounts — the
 * caller rounds once, per line or per rate group, through `roundMoney`.
 */
import type { Money} from './money.js';
import { ZERO, roundMoney, sum } from './money.js';
import type { PricingPolicy, Taxation } from './types.js';

/** Gross: the tax contained in a tax-inclusive amount, a × r / (1 + r). Net: the tax on top, a × r. */
export function taxOf(amount: Money, rate: Money, taxation: Taxation): Money {
  if (rate.isZero()) return ZERO;
  return taxation === 'gross' ? amount.times(rate).dividedBy(rate.plus(1)) : amount.times(rate);
}

export interface TaxableLine {
  readonly rate: Money;
  /** The amount the tax is computed on (after all discounts for adjusted tax). */
  readonly amount: Money;
}

export interface TaxBreakdown {
  /** Tax per input line, in input order, rounded per line (for display even when rounding at group). */
  readonly lineTaxes: readonly Money[];
  /** One entry per distinct rate, ascending by rate. */
  readonly groups: readonly { readonly rate: Money; readonly tax: Money }[];
  /** Sum of the groups: the tax total the basket reports. */
  readonly total: Money;
}

/**
 * Rounds tax either per line (then sums per rate) or per rate group (sums unrounded, then rounds once
 * per group), as `policy.taxRoundedAtGroup` says.
 */
export function computeTax(lines: readonly TaxableLine[], policy: PricingPolicy): TaxBreakdown {
  const round = (m: Money) => roundMoney(m, policy.currency, policy.roundingMode);
  const raw = lines.map((l) => taxOf(l.amount, l.rate, policy.taxation));
  const lineTaxes = raw.map(round);
  const byRate = new Map<string, { rate: Money; parts: Money[] }>();
  lines.forEach((l, i) => {
    const key = l.rate.toString();
    const group = byRate.get(key) ?? { rate: l.rate, parts: [] };
    group.parts.push(policy.taxRoundedAtGroup ? raw[i]! : lineTaxes[i]!);
    byRate.set(key, group);
  });
  const groups = [...byRate.values()]
    .sort((a, b) => a.rate.comparedTo(b.rate))
    .map((g) => ({ rate: g.rate, tax: round(sum(g.parts)) }));
  return { lineTaxes, groups, total: sum(groups.map((g) => g.tax)) };
}
