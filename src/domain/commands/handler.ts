/**
 * The contract every mutation kind fulfils, and the one function that turns a handler's change into the
 * next basket. A kind declares in one place (its family file): its pure handler, who may run it, what it
 * involves (SKUs whose catalogue and stock it needs, coupon codes whose promotions it needs) and how
 * the basket's held inventory follows it.
 */
import { withExistingItems } from '../shipments.js';
import type { Basket } from '../types.js';
import type { MutationContext, RejectionCode, Rejection } from './context.js';

/** Any command: a `kind` and its fields. */
type Command = { readonly kind: string };

/**
 * What a handler may change; the version, `updatedAt` and the clean-ups are `nextBasket`'s. The owner
 * changes only with `transfer_basket` (the previous shopper's basket becomes the caller's).
 */
export type BasketChange = Partial<Omit<Basket, 'id' | 'siteId' | 'version' | 'createdAt' | 'updatedAt' | 'agentBasket'>>;

export type HandlerResult = { readonly change: BasketChange } | { readonly rejection: Rejection };

export const change = (fields: BasketChange): HandlerResult => ({ change: fields });
export const reject = (code: RejectionCode, message: string): HandlerResult => ({ rejection: { code, message } });

/**
 * How held inventory follows the mutation: `hold` (hold what the lines want, refusing a rise that cannot
 * be held), `keep` (re-check what is held, refusing nothing), `expire` (release what has expired).
 */
export type ReservationMode = 'hold' | 'keep' | 'expire';

interface SpecCommon<C extends Command> {
  /** Only agents (`role: agent`) may run it; a customer is refused with `forbidden`. */
  readonly agentOnly: boolean;
  readonly reservation: ReservationMode;
  /** SKUs the command names beyond the basket's lines (their catalogue entries and stock are read). */
  readonly skus?: (command: C) => readonly string[];
  /** Coupon codes the command names (their promotions are read). */
  readonly codes?: (command: C) => readonly string[];
}

/** A kind that changes an existing, active basket. */
export interface ChangeSpec<C extends Command> extends SpecCommon<C> {
  readonly target: 'existing';
  readonly apply: (basket: Basket, command: C, ctx: MutationContext) => HandlerResult;
}

/** The kind that makes a basket (there is none before it). */
export interface CreateSpec<C extends Command> extends SpecCommon<C> {
  readonly target: 'new';
  readonly create: (command: C, ctx: MutationContext) => Basket;
}

export type CommandSpec<C extends Command> = ChangeSpec<C> | CreateSpec<C>;

/** A family's specs: one per kind of its commands, each for that kind's command. */
export type CommandSpecs<C extends Command> = { readonly [K in C['kind']]: CommandSpec<Extract<C, { readonly kind: K }>> };

/**
 * The next basket after a change: the shared clean-ups (an adjustment of a line goes with the line, and
 * so does its place in a shipment) and
 * the next version, changed now. Every applied mutation goes through here.
 */
export function nextBasket(basket: Basket, fields: BasketChange, ctx: MutationContext): Basket {
  const next = { ...basket, ...fields };
  const adjustments = next.adjustments.filter((a) => a.level === 'order' || next.lines.some((l) => l.itemId === a.itemId));
  // A shipment names only lines that still exist (a removed line leaves its shipment, which stays).
  const checkout = withExistingItems(next.checkout, next.lines);
  return { ...next, adjustments, checkout, version: basket.version + 1, updatedAt: ctx.now };
}

/** Custom properties after an update: a null value removes the property. */
export function mergeCustom(current: Readonly<Record<string, unknown>>, changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
