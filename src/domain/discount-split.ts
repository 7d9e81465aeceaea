/**
 * Splitting order-level discounts over lines both ways at once (Akinon's per-line `offer_badges`): a
 * grid of parts, one row per discount and one column per line, in whole minor units, such that each
 * row adds up to its discount's amount and each column to the share of the order discount pricing gave
 * that line. Pure.
 *
 * Each discount is first spread over the lines by largest remainder, with the weights pricing used (the
 * lines' prices after item discounts); then single units move, within one discount, from a line that
 * has more than its share to one that has less, until every line meets its share. Each move brings the
 * total mismatch down by two units, so the loop ends within half the starting mismatch. When the shares
 * add up to more than the discounts (a snapshot whose figures disagree), the first discount makes up
 * the shortfall, so every column still meets its share.
 */
import { Money, ZERO, minorUnits, sum } from './money.js';
import { allocateByLargestRemainder } from './allocation.js';

/**
 * `amounts[j]`: what discount j took off the order; `weights[i]`: line i's price after item discounts;
 * `shares[i]`: what pricing took off line i for order discounts in all. Returns `parts[j][i]`.
 */
export function splitOrderDiscounts(amounts: readonly Money[], weights: readonly Money[], shares: readonly Money[], currency: string): Money[][] {
  if (amounts.length === 0 || weights.length === 0) return amounts.map(() => weights.map(() => ZERO));
  const unit = new Money(1).dividedBy(new Money(10).pow(minorUnits(currency)));
  const toUnits = (m: Money) => m.dividedBy(unit).round();
  const grid = amounts.map((a) => allocateByLargestRemainder(a, weights, currency).map(toUnits));
  // deficit[i] > 0: line i still lacks units; < 0: it has too many.
  const deficit = shares.map((s, i) => toUnits(s).minus(sum(grid.map((row) => row[i]!))));
  const move = (row: number, line: number, units: number) => {
    grid[row]![line] = grid[row]![line]!.plus(units);
    deficit[line] = deficit[line]!.minus(units);
  };
  for (;;) {
    const over = deficit.findIndex((d) => d.lt(0));
    const under = deficit.findIndex((d) => d.gt(0));
    if (over < 0 && under < 0) break;
    if (over >= 0) {
      // A line with too many units has a positive part in some row (its parts add up to more than its share ≥ 0).
      const row = grid.findIndex((r) => r[over]!.gt(0));
      if (row < 0) break;
      move(row, over, -1);
      if (under >= 0) move(row, under, 1);
    } else {
      move(0, under, 1);
    }
  }
  return grid.map((row) => row.map((u) => u.times(unit)));
}
