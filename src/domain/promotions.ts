/**
 * Which promotions apply to a basket, and what each coupon code's status is. Pure: the promotions
 * come from the admin feed, `now` from the caller. The amounts themselves are worked out by
 * `priceBasket`, which turns the chosen promotions into price adjustments (item level before order
 * level, promotions before an agent's manual adjustments).
 */
import type { Money } from './money.js';
import type { CouponItem, PriceAdjustment, Promotion } from './types.js';

/** Coupon and promotion codes compare without regard to case ("welcome10" is WELCOME10); codes are ASCII. */
export function sameCode(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** OCAPI CouponItem `status_code`s this service reports. */
export type CouponStatus =
  | 'applied'
  | 'no_applicable_promotion'
  | 'coupon_code_unknown'
  | 'coupon_disabled'
  | 'redemption_limit_exceeded'
  | 'timeframe_invalid';

/** What pricing needs to know about promotions: the candidates and the codes the basket carries. */
export interface Offers {
  /** The site's campaigns and every promotion named by the basket's codes (others are ignored). */
  readonly promotions: readonly Promotion[];
  readonly coupons: readonly CouponItem[];
  readonly externalOfferCode: string | null;
  readonly now: Date;
}

export const NO_OFFERS: Offers = { promotions: [], coupons: [], externalOfferCode: null, now: new Date(0) };

/** A promotion chosen to apply, and the coupon code that activated it (campaigns have none). */
export interface ActivePromotion {
  readonly promotion: Promotion;
  readonly couponCode: string | null;
}

/** Why a promotion cannot be used at `now`, or null when it can. */
export function unusableBecause(p: Promotion, now: Date): Exclude<CouponStatus, 'applied' | 'no_applicable_promotion' | 'coupon_code_unknown'> | null {
  if (!p.enabled) return 'coupon_disabled';
  if ((p.startsAt !== null && now < p.startsAt) || (p.endsAt !== null && now >= p.endsAt)) return 'timeframe_invalid';
  if (p.redemptionLimit !== null && p.redeemed >= p.redemptionLimit) return 'redemption_limit_exceeded';
  return null;
}

/** The status of a coupon code before pricing (null: usable; pricing then decides applied or not). */
export function couponBlock(code: string, offers: Offers): CouponStatus | null {
  const p = offers.promotions.find((x) => sameCode(x.code, code));
  if (!p || p.kind !== 'coupon') return 'coupon_code_unknown';
  return unusableBecause(p, offers.now);
}

/** Where a promotion acts: on listed products, on the order, or on the shipment (free shipping, whatever its SKUs). */
export type PromotionLevel = 'product' | 'order' | 'shipping';

export function promotionLevel(p: Promotion): PromotionLevel {
  if (p.discountType === 'free_shipping') return 'shipping';
  return p.skus !== null ? 'product' : 'order';
}

/** Pricing applies the levels in this order: items first, then the order, then the shipment. */
const LEVEL_RANK: Record<PromotionLevel, number> = { product: 0, order: 1, shipping: 2 };

function inApplicationOrder(a: Promotion, b: Promotion): number {
  const byLevel = LEVEL_RANK[promotionLevel(a)] - LEVEL_RANK[promotionLevel(b)];
  return byLevel || a.priority - b.priority || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * The promotions that qualify, in the order they apply (level — item before order before shipping —,
 * then priority ascending within a level, then code; priority never crosses levels): usable,
 * active (a campaign, or a coupon whose code the basket carries), minimum met by `merchandiseTotal`,
 * and something to act on. Exclusivity is settled by `priceBasket`, which knows what each takes off.
 */
export function qualifyingPromotions(offers: Offers, validSkus: ReadonlySet<string>, merchandiseTotal: Money): ActivePromotion[] {
  const codes = new Set(offers.coupons.map((c) => c.code.toUpperCase()));
  if (offers.externalOfferCode !== null) codes.add(offers.externalOfferCode.toUpperCase());
  return offers.promotions
    .filter((p) => p.kind === 'campaign' || codes.has(p.code.toUpperCase()))
    .filter((p) => unusableBecause(p, offers.now) === null)
    .filter((p) => p.minAmount === null || merchandiseTotal.gte(p.minAmount))
    .filter((p) => (p.skus !== null ? p.skus.some((s) => validSkus.has(s)) : p.discountType === 'free_shipping' || merchandiseTotal.gt(0)))
    .sort(inApplicationOrder)
    .map((promotion) => ({
      promotion,
      couponCode: promotion.kind === 'coupon' ? (offers.coupons.find((c) => sameCode(c.code, promotion.code))?.code ?? null) : null,
    }));
}

/** The adjustment type a product- or order-level promotion's discount becomes (free shipping is a shipping adjustment, built apart). */
function adjustmentType(p: Promotion): 'percentage' | 'amount' {
  switch (p.discountType) {
    case 'percentage':
      return 'percentage';
    case 'amount':
      return 'amount';
    case 'free_shipping':
      throw new Error(`promotion ${p.code}: free shipping is not a product or order adjustment`);
  }
}

/** The adjustment a product-level promotion puts on one line (`amount` is per unit, so × quantity). */
export function productPromotionAdjustment(a: ActivePromotion, itemId: string, quantity: number): PriceAdjustment {
  const p = a.promotion;
  return {
    id: `promo-${p.code}-${itemId}`,
    level: 'product',
    itemId,
    type: adjustmentType(p),
    value: adjustmentType(p) === 'amount' ? p.discountValue.times(quantity) : p.discountValue,
    reasonCode: null,
    itemText: p.name,
    createdBy: 'promotion',
    promotionCode: p.code,
    ...(a.couponCode !== null ? { couponCode: a.couponCode } : {}),
  };
}

/** The adjustment an order-level promotion puts on the order. */
export function orderPromotionAdjustment(a: ActivePromotion): PriceAdjustment {
  const p = a.promotion;
  return {
    id: `promo-${p.code}`,
    level: 'order',
    itemId: null,
    type: adjustmentType(p),
    value: p.discountValue,
    reasonCode: null,
    itemText: p.name,
    createdBy: 'promotion',
    promotionCode: p.code,
    ...(a.couponCode !== null ? { couponCode: a.couponCode } : {}),
  };
}
