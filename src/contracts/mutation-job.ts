/**
 * The shapes exchanged between processes: a mutation on its way through a lane (BullMQ job data) and its
 * outcome (sent back as the reply). API and worker processes of different releases share the lanes during
 * a rolling deploy, so a change here must stay readable by the previous release, or bump CONTRACT_FORMAT.
 */
import type { MutationCommand } from '../domain/mutations.js';
import type { BasketSnapshot } from './basket-snapshot.js';

/**
 * Version of the job and outcome shapes. A worker refuses (as `failed`) a job of a newer format than its
 * own. 1: the first release; 2: the SCAPI kinds (`update_item`, `update_items`, `update_payment_instrument`,
 * `transfer_basket`), which a format-1 worker does not know.
 */
export const CONTRACT_FORMAT = 2;

export type Role = 'customer' | 'agent';

/** BullMQ job data. Carries no token or secret: only ids, the command, and where to reply. */
export interface MutationJob {
  /** CONTRACT_FORMAT of the process that enqueued it; absent in jobs of releases before it existed (format 1). */
  readonly format?: number;
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
