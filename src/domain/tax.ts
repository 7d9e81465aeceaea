/**
 * Tax of amounts under gross or net taxation (README "Money"). Pure; returns unrounded amounts — the
 * caller rounds once, per line or per rate group, through `roundMoney`.
 */
import type { Money } from './money.js';
import { ONE, ZERO, moneyRounder, sum } from './money.js';
import type { PricingPolicy, Taxation } from './types.js';

/** Gross: the tax contained in a tax-inclusive amount, a × r / (1 + r). Net: the tax on top, a × r. */
export function taxOf(amount: Money, rate: Money, taxation: Taxation): Money {
  if (rate.isZero()) return ZERO;
  return taxation === 'gross' ? amount.times(rate).dividedBy(rate.plus(ONE)) : amount.times(rate);
}

export interface TaxableLine {
  readonly rate: Money;
  /** The amount the tax is computed on (after all discounts for adjusted tax). */
  readonly amount: Money;
}

/**
 * One taxable line with its tax worked out: unrounded (`raw`) and rounded per line. Pricing taxes each
 * amount once and groups the same parts several ways (products alone, with shipping, shipment by shipment).
 */
export interface TaxedPart {
  readonly rate: Money;
  /** The rate as text: the key of its rate group. */
  readonly rateKey: string;
  readonly raw: Money;
  readonly rounded: Money;
}

export interface TaxBreakdown {
  /** Tax per input line, in input order, rounded per line (for display even when rounding at group). */
  readonly lineTaxes: readonly Money[];
  /** One entry per distinct rate, ascending by rate. */
  readonly groups: readonly { readonly rate: Money; readonly tax: Money }[];
  /** Sum of the groups: the tax total the basket reports. */
  readonly total: Money;
}

/** Each line's tax, unrounded and rounded per line, in input order. */
export function taxParts(lines: readonly TaxableLine[], policy: PricingPolicy): TaxedPart[] {
  const round = moneyRounder(policy.currency, policy.roundingMode);
  return lines.map((l) => {
    const raw = taxOf(l.amount, l.rate, policy.taxation);
    return { rate: l.rate, rateKey: l.rate.toString(), raw, rounded: round(raw) };
  });
}

/**
 * Rounds tax either per line (then sums per rate) or per rate group (sums unrounded, then rounds once
 * per group), as `policy.taxRoundedAtGroup` says.
 */
export function computeTax(lines: readonly TaxableLine[], policy: PricingPolicy): TaxBreakdown {
  return groupTaxes(taxParts(lines, policy), policy);
}

/** `computeTax` of lines already taxed by `taxParts` (the same figures, without taxing them again). */
export function groupTaxes(parts: readonly TaxedPart[], policy: PricingPolicy): TaxBreakdown {
  const round = moneyRounder(policy.currency, policy.roundingMode);
  const byRate = new Map<string, { rate: Money; parts: Money[] }>();
  for (const p of parts) {
    const group = byRate.get(p.rateKey);
    const part = policy.taxRoundedAtGroup ? p.raw : p.rounded;
    if (group) group.parts.push(part);
    else byRate.set(p.rateKey, { rate: p.rate, parts: [part] });
  }
  const groups = [...byRate.values()].sort((a, b) => a.rate.comparedTo(b.rate)).map((g) => ({ rate: g.rate, tax: round(sum(g.parts)) }));
  return { lineTaxes: parts.map((p) => p.rounded), groups, total: sum(groups.map((g) => g.tax)) };
}
