/** Agents' manual price adjustments (OCAPI price_adjustments): agents only. */
import { Money } from '../money.js';
import type { DiscountType, PriceAdjustment } from '../types.js';
import { change, mergeCustom, reject, type CommandSpecs } from './handler.js';

/** The commands of this family. */
export type AdjustmentCommand =
  | {
      readonly kind: 'add_price_adjustment';
      readonly level: 'product' | 'order';
      readonly itemId: string | null;
      readonly type: DiscountType;
      /** Decimal text. */
      readonly value: string;
      readonly reasonCode: string | null;
      readonly itemText: string | null;
      /** Custom properties (`c_*`); on update, a null value removes one. */
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'update_price_adjustment';
      readonly adjustmentId: string;
      readonly type?: DiscountType;
      readonly value?: string;
      readonly reasonCode?: string | null;
      readonly itemText?: string | null;
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'remove_price_adjustment'; readonly adjustmentId: string };

const notFound = (id: string) => reject('price_adjustment_not_found', `No price adjustment '${id}' in this basket.`);

export const adjustmentCommands: CommandSpecs<AdjustmentCommand> = {
  add_price_adjustment: {
    target: 'existing',
    agentOnly: true,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      if (c.level === 'product' && !basket.lines.some((l) => l.itemId === c.itemId)) {
        return reject('item_not_found', `No product item with id '${c.itemId}' in this basket.`);
      }
      const adjustment: PriceAdjustment = {
        id: ctx.newItemId(0),
        level: c.level,
        itemId: c.level === 'product' ? c.itemId : null,
        type: c.type,
        value: new Money(c.value),
        reasonCode: c.reasonCode,
        itemText: c.itemText,
        createdBy: ctx.ownerId,
        ...(c.custom && Object.keys(c.custom).length > 0 ? { custom: c.custom } : {}),
      };
      return change({ adjustments: [...basket.adjustments, adjustment] });
    },
  },
  /** Changes the fields given; custom properties merge (a null value removes one). */
  update_price_adjustment: {
    target: 'existing',
    agentOnly: true,
    reservation: 'hold',
    apply: (basket, c) => {
      const found = basket.adjustments.find((a) => a.id === c.adjustmentId);
      if (!found) return notFound(c.adjustmentId);
      const updated: PriceAdjustment = {
        ...found,
        ...(c.type !== undefined ? { type: c.type } : {}),
        ...(c.value !== undefined ? { value: new Money(c.value) } : {}),
        ...(c.reasonCode !== undefined ? { reasonCode: c.reasonCode } : {}),
        ...(c.itemText !== undefined ? { itemText: c.itemText } : {}),
        ...(c.custom && Object.keys(c.custom).length > 0 ? { custom: mergeCustom(found.custom ?? {}, c.custom) } : {}),
      };
      return change({ adjustments: basket.adjustments.map((a) => (a === found ? updated : a)) });
    },
  },
  remove_price_adjustment: {
    target: 'existing',
    agentOnly: true,
    reservation: 'hold',
    apply: (basket, c) =>
      basket.adjustments.some((a) => a.id === c.adjustmentId)
        ? change({ adjustments: basket.adjustments.filter((a) => a.id !== c.adjustmentId) })
        : notFound(c.adjustmentId),
  },
};
