/**
 * What a basket mutation is: the union of every family's commands. Each family's file under this folder
 * declares its commands beside their handlers; this module only puts them together.
 */
import type { MutationKind } from '../enumerations.js';
import type { AdjustmentCommand } from './adjustments.js';
import type { CheckoutCommand } from './checkout.js';
import type { CodeCommand } from './codes.js';
import type { LifecycleCommand } from './lifecycle.js';
import type { LineCommand } from './lines.js';
import type { PaymentCommand } from './payment.js';
import type { ShipmentCommand } from './shipments.js';

export type { MergeMode, MutationKind, TransferMode } from '../enumerations.js';
export type { MutationContext, MutationResult, Rejection, RejectionCode } from './context.js';
export type { AddItem, ItemUpdate } from './lines.js';
export type { FirstChange } from './lifecycle.js';
export type { ShipmentFields } from './shipments.js';
export { MAX_COUPONS } from './codes.js';
export { MAX_PAYMENT_INSTRUMENTS } from './payment.js';

export type MutationCommand = LifecycleCommand | LineCommand | CheckoutCommand | ShipmentCommand | AdjustmentCommand | CodeCommand | PaymentCommand;

/** The command of one kind. */
export type CommandOf<K extends MutationKind> = Extract<MutationCommand, { readonly kind: K }>;

/** The command list and MUTATION_KINDS agree both ways: a kind added to one and not the other does not compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsAgree: Same<MutationCommand['kind'], MutationKind> = true;
void kindsAgree;
