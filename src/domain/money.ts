/**
 * Money arithmetic. All amounts are `Money` (a decimal.js clone configured once here); a JS `number`
 * never holds money. Rounding to a currency's minor unit happens only through `roundMoney`, the one
 * named place (README "Money"; rounding in one place is what keeps every total reproducible).
 */
import { Decimal as DecimalJs } from 'decimal.js';

/** Decimal with enough precision that intermediate products never round (amounts × rates × quantities). */
export const Money = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Money = InstanceType<typeof Money>;

export type { RoundingMode } from './enumerations.js';
import type { RoundingMode } from './enumerations.js';

const ROUNDING: Record<RoundingMode, DecimalJs.Rounding> = {
  half_up: DecimalJs.ROUND_HALF_UP,
  half_even: DecimalJs.ROUND_HALF_EVEN,
};

/** ISO 4217 currencies whose minor unit is not 2 digits. Everything else has cents. */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

export const ZERO: Money = new Money(0);
export const ONE: Money = new Money(1);

/** The one place amounts are rounded: to the currency's minor unit with the site's rounding mode. */
export function roundMoney(amount: Money, currency: string, mode: RoundingMode): Money {
  return amount.toDecimalPlaces(minorUnits(currency), ROUNDING[mode]);
}

/**
 * `roundMoney` for one currency and mode, with the minor unit looked up once (pricing rounds every line
 * and group through one of these; the result is `roundMoney`'s exactly).
 */
export function moneyRounder(currency: string, mode: RoundingMode): (amount: Money) => Money {
  const places = minorUnits(currency);
  const rounding = ROUNDING[mode];
  return (amount) => amount.toDecimalPlaces(places, rounding);
}

/** Exact text of an amount with exactly the currency's minor digits ("120.00", "5", "1.250"). */
export function formatMoney(amount: Money, currency: string): string {
  return amount.toFixed(minorUnits(currency));
}

export function sum(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}
