/** The basket's life: creation, its own fields, deletion, a sign-in merge, and the system's re-checks. */
import { sameCode } from '../promotions.js';
import type { BasketLine } from '../types.js';
import type { MergeMode, TransferMode } from '../enumerations.js';
import { MAX_COUPONS } from './codes.js';
import type { MutationContext, Rejection } from './context.js';
import { change, mergeCustom, reject, type CommandSpecs } from './handler.js';
import type { AdjustmentCommand } from './adjustments.js';
import type { CheckoutCommand } from './checkout.js';
import type { CodeCommand } from './codes.js';
import type { LineCommand } from './lines.js';
import type { PaymentCommand } from './payment.js';

/**
 * What may follow `create_basket` in the same mutation: a change of an existing basket from any family
 * but this one (no second creation, merge or transfer; the type leaves them out).
 */
export type FirstChange = LineCommand | CheckoutCommand | AdjustmentCommand | CodeCommand | PaymentCommand;

/** The commands of this family. */
export type LifecycleCommand =
  | {
      readonly kind: 'create_basket';
      readonly siteId: string;
      /** Null: the site's currency, filled in by the application before `applyMutation` runs. */
      readonly currency: string | null;
      readonly agentBasket: boolean;
      readonly custom: Readonly<Record<string, unknown>>;
      /**
       * A first change applied to the new basket in the same mutation (Akinon: a caller's first write
       * creates its basket). Refused, it refuses the creation too: nothing is created. `applyMutation`
       * runs it over the created basket (version 1 empty, version 2 the change, written atomically), and
       * the SKUs and codes involved are the change's.
       */
      readonly then?: FirstChange;
    }
  | {
      readonly kind: 'update_basket';
      /** Must be the basket's currency (a site prices in one currency). */
      readonly currency?: string;
      /** A string sets, null clears. */
      readonly sourceCode?: string | null;
      /** Custom properties to set; a null value removes the property. */
      readonly custom: Readonly<Record<string, unknown>>;
      /** Optimistic concurrency (OCAPI `_resource_state`): reject if the basket moved past this version. */
      readonly expectedVersion: number | null;
    }
  | { readonly kind: 'delete_basket' }
  /**
   * SCAPI merge: a guest's basket (`ctx.mergeSource`, owned by `sourceOwnerId`) goes into this one as
   * one serial change: its lines (quantities of a product in both combined by `mode`, capped at the
   * line limit) and its coupon codes; the guest basket is deleted and its held units move here.
   */
  | { readonly kind: 'merge_basket'; readonly sourceBasketId: string; readonly sourceOwnerId: string; readonly mode: MergeMode }
  /**
   * SCAPI transferBasket, applied to the previous shopper's (guest's) basket: it becomes the caller's
   * (`ownerId` of the context). The caller's own active basket, if any (`ctx.mergeSource`, read because
   * `absorbedBasketId` names it), is `merge`d into it (its lines, codes and held units) or, with
   * `override`, deleted (its held units released); `transfer` expects the caller to have none.
   */
  | { readonly kind: 'transfer_basket'; readonly fromOwnerId: string; readonly mode: TransferMode; readonly absorbedBasketId: string | null }
  /** The expiry sweep's mutation: lines stay; held units whose expiry passed are released. */
  | { readonly kind: 'expire_reservations' }
  /** Re-price and re-check the basket against the catalogue as it is now (after a catalogue change). */
  | { readonly kind: 'recalculate' };

export const lifecycleCommands: CommandSpecs<LifecycleCommand> = {
  /** A new, empty basket at version 1, in the site's currency unless one is given (its `then`, if any, is applied by `applyMutation`). */
  create_basket: {
    target: 'new',
    agentOnly: false,
    reservation: 'hold',
    create: (c, ctx) => ({
      id: ctx.basketId,
      ownerId: ctx.ownerId,
      siteId: c.siteId,
      currency: c.currency ?? ctx.siteCurrency ?? 'USD',
      status: 'active',
      version: 1,
      lines: [],
      custom: c.custom,
      sourceCode: null,
      checkout: {},
      shippingMethodId: null,
      adjustments: [],
      coupons: [],
      externalOfferCode: null,
      agentBasket: c.agentBasket,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
  },
  /** OCAPI PATCH of the basket: currency (only its own), source code, custom properties (null removes); `_resource_state` guards it. */
  update_basket: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) => {
      if (c.expectedVersion !== null && c.expectedVersion !== basket.version) {
        return reject('resource_state_conflict', 'The basket has changed since the _resource_state given; read it again.');
      }
      if (c.currency !== undefined && c.currency !== basket.currency) return reject('currency_not_supported', `This basket's site sells in ${basket.currency} only.`);
      return change({ custom: mergeCustom(basket.custom, c.custom), sourceCode: c.sourceCode === undefined ? basket.sourceCode : c.sourceCode });
    },
  },
  /** The lines go (their held units are released) and the basket is deleted. */
  delete_basket: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: () => change({ lines: [], status: 'deleted' }),
  },
  /**
   * SCAPI merge: the guest's basket (`ctx.mergeSource`) joins this one — its lines (a product in both
   * combined by `mode`, capped at the line limit) and its coupon codes. The application deletes the
   * guest basket and moves its held units in the same write.
   */
  merge_basket: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const source = ctx.mergeSource;
      if (!source || source.status !== 'active' || source.ownerId !== c.sourceOwnerId || source.siteId !== basket.siteId || source.id === basket.id) {
        return reject('basket_not_found', 'There is no guest basket on this site to merge.');
      }
      const lines = mergeLines(basket.lines, source.lines, c.mode, ctx);
      if ('code' in lines) return { rejection: lines };
      const coupons = [...basket.coupons, ...source.coupons.filter((g) => !basket.coupons.some((mine) => sameCode(mine.code, g.code)))].slice(0, MAX_COUPONS);
      return change({ lines, coupons });
    },
  },
  /**
   * SCAPI transferBasket: the previous shopper's basket becomes the caller's, absorbing (merge) or
   * replacing (override) the caller's own; the application deletes the absorbed basket and moves (or
   * releases) its held units in the same write. The only command that changes a basket's owner.
   */
  transfer_basket: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      if (basket.ownerId !== c.fromOwnerId) return reject('basket_not_found', 'There is no basket of the previous shopper to transfer.');
      const own = ctx.mergeSource ?? null;
      const stale = !own || own.id !== c.absorbedBasketId || own.status !== 'active' || own.ownerId !== ctx.ownerId || own.siteId !== basket.siteId;
      if (c.absorbedBasketId !== null && stale) return reject('basket_transfer_conflict', "The shopper's basket changed during the transfer; try again.");
      if (own && c.mode === 'transfer') {
        return reject('basket_transfer_conflict', 'The shopper already has an active basket; transfer with merge=true or overrideExisting=true.');
      }
      if (!own || c.mode === 'override') return change({ ownerId: ctx.ownerId });
      const lines = mergeLines(basket.lines, own.lines, 'sum_quantities', ctx);
      if ('code' in lines) return { rejection: lines };
      const coupons = [...basket.coupons, ...own.coupons.filter((o) => !basket.coupons.some((mine) => sameCode(mine.code, o.code)))].slice(0, MAX_COUPONS);
      return change({ ownerId: ctx.ownerId, lines, coupons });
    },
  },
  /** The expiry sweep's: lines stay; held units whose expiry passed are released (refused when none has). */
  expire_reservations: {
    target: 'existing',
    agentOnly: false,
    reservation: 'expire',
    apply: () => change({}),
  },
  /** Re-price and re-check against the catalogue and stock as they are now; refuses nothing for stock. */
  recalculate: {
    target: 'existing',
    agentOnly: false,
    reservation: 'keep',
    apply: () => change({}),
  },
};

/**
 * A guest's lines merged into the basket's: a product in both gets the quantity `mode` says (capped at
 * the per-line limit rather than refusing the sign-in); the others are added after the basket's own,
 * keeping their options, custom properties and inventory (`inventoryId`: their held units move with
 * them), with new ids.
 */
function mergeLines(current: readonly BasketLine[], incoming: readonly BasketLine[], mode: MergeMode, ctx: MutationContext): BasketLine[] | Rejection {
  const lines = [...current];
  let created = 0;
  let position = current.reduce((max, l) => Math.max(max, l.position), -1);
  for (const g of [...incoming].sort((a, b) => a.position - b.position)) {
    // The same product held in another stock list (a pickup store's) stays a line of its own.
    const index = lines.findIndex((l) => l.sku === g.sku && l.inventoryId === g.inventoryId);
    if (index >= 0) {
      const mine = lines[index]!;
      const wanted = mode === 'sum_quantities' ? mine.quantity + g.quantity : mode === 'highest_quantity' ? Math.max(mine.quantity, g.quantity) : Math.min(mine.quantity, g.quantity);
      lines[index] = { ...mine, quantity: Math.min(wanted, ctx.limits.maxLineQuantity) };
      continue;
    }
    if (lines.length >= ctx.limits.maxLines) return { code: 'line_limit_exceeded', message: `A basket holds at most ${ctx.limits.maxLines} product items; the guest basket does not fit.` };
    position += 1;
    lines.push({ ...g, itemId: ctx.newItemId(created++), position, quantity: Math.min(g.quantity, ctx.limits.maxLineQuantity) });
  }
  return lines;
}
