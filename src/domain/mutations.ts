/**
 * Basket mutations as pure state transitions: `applyMutation(basket, command, context)` returns the
 * next basket or a rejection with a reason. Expected business outcomes (unknown product, limits) are
 * results, never exceptions. No IO, no clock: `now` and item ids come in through the context.
 *
 * Each kind lives in one place, its family's file under `commands/` (lines, checkout, adjustments,
 * codes, payment, lifecycle), registered in `commands/registry.ts`; this module dispatches to it and
 * builds every result through `nextBasket`.
 */
import type { Basket } from './types.js';
import { customLimitBreach, customSize } from './custom-properties.js';
import { shipmentViews } from './shipments.js';
import { pickupRefusal } from './pickup.js';
import type { MutationCommand, MutationContext, MutationKind, MutationResult } from './commands/command.js';
import { nextBasket } from './commands/handler.js';
import { specOf } from './commands/registry.js';

export * from './commands/command.js';
export { COMMANDS } from './commands/registry.js';
export type { CommandSpec, ReservationMode } from './commands/handler.js';

/**
 * Applies one command. `basket` is null when no basket with the context's id exists yet. A result whose
 * custom properties outgrow the limits (the basket's own, any line's or any shipment's) is refused whole, whatever
 * the kind: the check runs on every applied result, not in each handler.
 */
export function applyMutation(basket: Basket | null, command: MutationCommand, ctx: MutationContext): MutationResult {
  const result = applyCommand(basket, command, ctx);
  // Stores and inventories named (pickup.ts), judged on the result like the custom-property caps below. A
  // merge or transfer takes the other basket's lines as they were (their stores were judged when named).
  if (result.outcome === 'applied' && ctx.homeStockList !== undefined && command.kind !== 'merge_basket' && command.kind !== 'transfer_basket') {
    const refusal = pickupRefusal(basket, result.basket, ctx.homeStockList, ctx.stores ?? new Map());
    if (refusal) return { outcome: 'rejected', rejection: refusal };
  }
  const limits = ctx.limits.custom;
  if (result.outcome !== 'applied' || !limits) return result;
  const breach =
    customLimitBreach(customSize(basket?.custom), customSize(result.basket.custom), limits, 'The basket') ??
    result.basket.lines.reduce<string | null>((found, line) => {
      if (found) return found;
      const earlier = basket?.lines.find((l) => l.itemId === line.itemId);
      return customLimitBreach(customSize(earlier?.custom), customSize(line.custom), limits, `Product item '${line.itemId}'`);
    }, null) ??
    // Each shipment's own (`me`'s too) are capped alike.
    shipmentViews(result.basket).reduce<string | null>((found, shipment) => {
      if (found) return found;
      const earlier = basket ? shipmentViews(basket).find((s) => s.id === shipment.id) : undefined;
      return customLimitBreach(customSize(earlier?.custom), customSize(shipment.custom), limits, `Shipment '${shipment.id}'`);
    }, null);
  return breach ? { outcome: 'rejected', rejection: { code: 'custom_properties_limit_exceeded', message: breach } } : result;
}

function applyCommand(basket: Basket | null, command: MutationCommand, ctx: MutationContext): MutationResult {
  const spec = specOf(command.kind);
  if (spec.target === 'new') {
    if (basket !== null) return { outcome: 'rejected', rejection: { code: 'basket_exists', message: `Basket '${ctx.basketId}' already exists.` } };
    const created = spec.create(command, ctx);
    // Version 1 is the empty basket, version 2 its first change (as if two mutations, but atomic).
    return command.kind === 'create_basket' && command.then ? applyMutation(created, command.then, ctx) : { outcome: 'applied', basket: created };
  }
  if (basket === null || basket.status !== 'active') {
    return { outcome: 'rejected', rejection: { code: 'basket_not_found', message: `No basket with id '${ctx.basketId}'.` } };
  }
  const result = spec.apply(basket, command, ctx);
  return 'rejection' in result ? { outcome: 'rejected', rejection: result.rejection } : { outcome: 'applied', basket: nextBasket(basket, result.change, ctx) };
}

/** SKUs whose catalogue entries and stock the mutation needs (basket lines plus the command's). */
export function skusInvolved(basket: Basket | null, command: MutationCommand): string[] {
  if (command.kind === 'create_basket' && command.then) return skusInvolved(basket, command.then);
  const skus = new Set(basket?.lines.map((l) => l.sku) ?? []);
  for (const sku of specOf(command.kind).skus?.(command) ?? []) skus.add(sku);
  return [...skus].sort();
}

/** Coupon codes the command names (their promotions are read with the state). */
export function codesInvolved(command: MutationCommand): string[] {
  if (command.kind === 'create_basket' && command.then) return codesInvolved(command.then);
  return [...(specOf(command.kind).codes?.(command) ?? [])];
}

/** Whether only agents may run this kind. */
export function isAgentOnly(kind: MutationKind): boolean {
  return specOf(kind).agentOnly;
}
