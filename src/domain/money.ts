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

/** `minorUnits` as looked up before, by the currency exactly as given (a snapshot formats ~90 amounts in one currency). */
const minorUnitsSeen = new Map<string, number>();
function minorUnitsOf(currency: string): number {
  let places = minorUnitsSeen.get(currency);
  if (places === undefined) {
    places = minorUnits(currency);
    // Bounded: currency codes come from sites and baskets, but a map keyed by caller text must not grow without end.
    if (minorUnitsSeen.size < 1000) minorUnitsSeen.set(currency, places);
  }
  return places;
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

/**
 * Exact text of an amount with exactly the currency's minor digits ("120.00", "5", "1.250"): always
 * `amount.toFixed(minorUnits(currency))`. An amount with no more digits than that (every rounded one, so
 * nearly every call) is its plain text padded with zeros, which is that exactly: toFixed would first
 * copy and round the amount (a no-op rounding, but most of the call's cost).
 */
export function formatMoney(amount: Money, currency: string): string {
  const places = minorUnitsOf(currency);
  // `!(… <= …)`: NaN decimal places (a non-finite amount) go the general way too.
  if (!(amount.decimalPlaces() <= places)) return amount.toFixed(places);
  const text = amount.toFixed();
  if (places === 0) return text;
  const point = text.indexOf('.');
  return point < 0 ? `${text}.${'0'.repeat(places)}` : text + '0'.repeat(places - (text.length - point - 1));
}

export function sum(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}
