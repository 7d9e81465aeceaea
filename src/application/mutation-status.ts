/**
 * `GET /mutations/{id}`: what became of an accepted mutation. The mutation log is the truth once it has
 * a record; before that, the ticket (written when the mutation was accepted) and the job's state in its
 * lane tell a mutation still waiting from one that failed for good while the database could not record
 * it, or from one whose job was never added (the accepting process died between ticket and job): that
 * one is `lost` — nothing was applied, and a retry with the same Idempotency-Key enqueues it again.
 */
import type { Db } from '../persistence/database.js';
import { findMutation } from '../persistence/mutation.repository.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import type { MutationError } from '../contracts/mutation-job.js';
import { ENQUEUE_GRACE_MS, type Submitter } from './submit-mutation.js';

export interface MutationStatusReport {
  readonly id: string;
  readonly basketId: string;
  readonly status: 'queued' | 'applied' | 'rejected' | 'failed' | 'lost';
  readonly version: number | null;
  readonly error: MutationError | null;
}

export interface MutationStatusDeps {
  readonly db: Db;
  readonly submitter: Pick<Submitter, 'readTicket'>;
  readonly lanes: Pick<LaneQueues, 'jobState'>;
  readonly now: () => number;
}

/**
 * The mutation's status, or null when there is none or `mayRead` refuses its owner (the two look the
 * same to the caller). `mayRead` is asked before anything beyond the record or ticket is read.
 */
export async function mutationStatus(deps: MutationStatusDeps, id: string, mayRead: (ownerId: string) => boolean): Promise<MutationStatusReport | null> {
  const row = await findMutation(deps.db, id);
  if (row) return mayRead(row.owner_id) ? statusOfRow(row) : null;
  const ticket = await deps.submitter.readTicket(id);
  if (!ticket || !mayRead(ticket.ownerId)) return null;
  // The basket's home lane, then its hot lane (a hot basket's jobs run there; see queue/basket-backpressure.ts).
  const state = await deps.lanes.jobState(id, ticket.basketId).catch(() => 'error');
  if (state === 'failed') {
    return { id, basketId: ticket.basketId, status: 'failed', version: null, error: { code: 'internal_error', message: 'The change could not be applied.' } };
  }
  if (state === 'unknown' && deps.now() - (ticket.acceptedAt ?? 0) > ENQUEUE_GRACE_MS) {
    const late = await findMutation(deps.db, id);
    if (late) return statusOfRow(late);
    return {
      id,
      basketId: ticket.basketId,
      status: 'lost',
      version: null,
      error: {
        code: 'mutation_lost',
        message:
          'This change was never queued (the service stopped while accepting it) and nothing was applied; send the request again with the same Idempotency-Key.',
      },
    };
  }
  return { id, basketId: ticket.basketId, status: 'queued', version: null, error: null };
}

function statusOfRow(row: NonNullable<Awaited<ReturnType<typeof findMutation>>>): MutationStatusReport {
  return { id: row.id, basketId: row.basket_id, status: row.status, version: row.version, error: row.error ?? null };
}
