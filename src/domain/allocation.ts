/**
 * Spreading an order-level amount over lines in proportion to their weights, in whole minor units,
 * cents allotted by largest remainder so the parts add up to the whole exactly (README "Money").
 * Pure; weights and total are non-negative; a part never exceeds its weight when total ≤ Σ weights.
 */
import { Money, ZERO, minorUnits, sum } from './money.js';

export function allocateByLargestRemainder(total: Money, weights: readonly Money[], currency: string): Money[] {
  if (total.isZero()) return weights.map(() => ZERO);
  const whole = sum(weights);
  if (whole.isZero()) return weights.map(() => ZERO);
  const unit = new Money(1).dividedBy(new Money(10).pow(minorUnits(currency)));
  const units = total.dividedBy(unit).toDecimalPlaces(0, Money.ROUND_DOWN);
  const exact = weights.map((w) => units.times(w).dividedBy(whole));
  const floors = exact.map((e) => e.toDecimalPlaces(0, Money.ROUND_DOWN));
  let left = units.minus(sum(floors)).toNumber();
  // Largest remainder first; ties go to the earlier line, so the result is deterministic.
  const order = exact.map((e, i) => ({ i, rest: e.minus(floors[i]!) })).sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i);
  const parts = [...floors];
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = parts[i]!.plus(1);
    left--;
  }
  return parts.map((p) => p.times(unit));
}
