/** The shape of a mutation on its way through a lane, and of its outcome (sent back as the reply). */
import type { MutationCommand } from '../domain/mutations.js';
import type { BasketSnapshot } from './basket-snapshot.js';

export type Role = 'customer' | 'agent';

/** BullMQ job data. Carries no token or secret: only ids, the command, and where to reply. */
export interface MutationJob {
  readonly mutationId: string;
  readonly basketId: string;
  readonly ownerId: string;
  readonly role: Role;
  readonly command: MutationCommand;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  /** ISO time the API accepted the mutation. */
  readonly enqueuedAt: string;
  /** Reply channel of the API instance that waits for the outcome, if any. */
  readonly replyTo: string | null;
  /** Counted in its basket's pending set (backpressure): the worker counts it out when finished. */
  readonly counted?: boolean;
}

export interface MutationError {
  readonly code: string;
  readonly message: string;
}

export type MutationOutcome =
  | { readonly status: 'applied'; readonly mutationId: string; readonly basketId: string; readonly version: number; readonly snapshot: BasketSnapshot }
  | { readonly status: 'rejected' | 'failed'; readonly mutationId: string; readonly basketId: string; readonly version: number | null; readonly error: MutationError };
