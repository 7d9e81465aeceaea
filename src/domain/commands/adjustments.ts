/** Agents' manual price adjustments (OCAPI price_adjustments): agents only. */
import { Money } from '../money.js';
import type { PriceAdjustment } from '../types.js';
import { change, mergeCustom, reject, type CommandSpecs } from './handler.js';

type AdjustmentKinds = 'add_price_adjustment' | 'update_price_adjustment' | 'remove_price_adjustment';

const notFound = (id: string) => reject('price_adjustment_not_found', `No price adjustment '${id}' in this basket.`);

export const adjustmentCommands: CommandSpecs<AdjustmentKinds> = {
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
      basket.adjustments.some((a) => a.id === c.adjustmentId) ? change({ adjustments: basket.adjustments.filter((a) => a.id !== c.adjustmentId) }) : notFound(c.adjustmentId),
  },
};
