/** Coupon and offer codes: OCAPI/SCAPI coupons, Akinon's voucher and external offer codes. */
import { sameCode } from '../promotions.js';
import { change, reject, type CommandSpecs } from './handler.js';

/** Coupon codes a basket may carry at once. */
export const MAX_COUPONS = 10;

/** The commands of this family. */
export type CodeCommand =
  /** OCAPI: the code joins the basket whatever its status (the coupon item shows it); SCAPI sets `verify`. */
  | {
      readonly kind: 'add_coupon';
      readonly code: string;
      /**
       * SCAPI: a code that cannot be used (unknown, disabled, out of its window, used up) is refused, as
       * SFCC does; the application checks it against the priced basket.
       */
      readonly verify?: boolean;
    }
  | { readonly kind: 'remove_coupon'; readonly couponItemId: string }
  /**
   * Akinon's codes: `voucherCode` replaces the basket's coupon codes (null removes them; verified like
   * `add_coupon`); `externalOfferCode` is kept unverified (null clears it). Undefined leaves either as is.
   */
  | { readonly kind: 'set_offer_codes'; readonly voucherCode?: string | null; readonly externalOfferCode?: string | null };

export const codeCommands: CommandSpecs<CodeCommand> = {
  /** The code joins the basket whatever its status (unless `verify`: see the field); the same code twice is refused. */
  add_coupon: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    codes: (c) => [c.code],
    apply: (basket, c, ctx) => {
      if (basket.coupons.some((x) => sameCode(x.code, c.code))) return reject('coupon_already_in_basket', `The coupon code '${c.code}' is already in this basket.`);
      if (basket.coupons.length >= MAX_COUPONS) return reject('coupon_limit_exceeded', `A basket holds at most ${MAX_COUPONS} coupon codes.`);
      return change({ coupons: [...basket.coupons, { id: ctx.newItemId(0), code: c.code }] });
    },
  },
  remove_coupon: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) =>
      basket.coupons.some((x) => x.id === c.couponItemId)
        ? change({ coupons: basket.coupons.filter((x) => x.id !== c.couponItemId) })
        : reject('coupon_item_not_found', `No coupon item '${c.couponItemId}' in this basket.`),
  },
  /** Akinon: a voucher replaces the codes (null removes them; the same code keeps its item); the external offer code is kept apart. */
  set_offer_codes: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    codes: (c) => [c.voucherCode, c.externalOfferCode].filter((x): x is string => typeof x === 'string'),
    apply: (basket, c, ctx) => {
      const v = c.voucherCode;
      const keep = v === undefined || (typeof v === 'string' && basket.coupons.length === 1 && sameCode(basket.coupons[0]!.code, v));
      const coupons = keep ? basket.coupons : v === null ? [] : [{ id: ctx.newItemId(0), code: v }];
      const externalOfferCode = c.externalOfferCode === undefined ? basket.externalOfferCode : c.externalOfferCode;
      return change({ coupons, externalOfferCode });
    },
  },
};
