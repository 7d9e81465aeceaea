/**
 * Every mutation kind and its spec, in one typed table: a kind added to `MutationCommand` does not
 * compile until it has a spec here (and in `MUTATION_KINDS`).
 */
import type { CommandOf, MutationCommand, MutationKind } from './command.js';
import type { CommandSpec } from './handler.js';
import { adjustmentCommands } from './adjustments.js';
import { checkoutCommands } from './checkout.js';
import { codeCommands } from './codes.js';
import { lifecycleCommands } from './lifecycle.js';
import { lineCommands } from './lines.js';
import { paymentCommands } from './payment.js';
import { shipmentCommands } from './shipments.js';

export const COMMANDS = {
  ...lifecycleCommands,
  ...lineCommands,
  ...checkoutCommands,
  ...shipmentCommands,
  ...adjustmentCommands,
  ...codeCommands,
  ...paymentCommands,
} satisfies { readonly [K in MutationKind]: CommandSpec<CommandOf<K>> };

/** The spec of a kind (typed loosely, for callers that hold a command of any kind). */
export function specOf(kind: MutationKind): CommandSpec<MutationCommand> {
  return COMMANDS[kind] as unknown as CommandSpec<MutationCommand>;
}
