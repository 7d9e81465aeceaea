/**
 * The expiry sweep: finds baskets holding inventory whose expiry has passed and enqueues an
 * `expire_reservations` mutation into each one's lane, so releasing the units is serial with the
 * shopper's own changes and the basket's document, flashes and snapshot follow within one sweep.
 * The mutation id is derived from the basket, its earliest expiry and the current minute: sweeping again
 * before the mutation ran adds no second job, and a basket whose expiry mutation came to nothing (it
 * failed, or met a clock running behind) is tried again a minute later instead of never.
 */
import { sql } from 'kysely';
import type { Db } from '../persistence/database.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import { idempotentMutationId } from './ids.js';

export const SYSTEM_OWNER = 'system';
const RETRY_WINDOW_MS = 60_000;

export async function sweepExpiredReservations(deps: { db: Db; lanes: LaneQueues; now: () => Date }, batch: number): Promise<number> {
  const now = deps.now();
  const { rows } = await sql<{ basket_id: string; first: Date }>`
    select basket_id, min(expires_at) as first from reservations
    where expires_at <= ${now}
    group by basket_id order by first limit ${batch}`.execute(deps.db);
  for (const r of rows) {
    const window = Math.floor(now.getTime() / RETRY_WINDOW_MS);
    const mutationId = idempotentMutationId(SYSTEM_OWNER, `expire:${r.basket_id}:${new Date(r.first).toISOString()}:${window}`);
    await deps.lanes.add({
      mutationId,
      basketId: r.basket_id,
      ownerId: SYSTEM_OWNER,
      role: 'agent',
      command: { kind: 'expire_reservations' },
      idempotencyKey: null,
      requestHash: null,
      enqueuedAt: now.toISOString(),
      replyTo: null,
    });
  }
  return rows.length;
}
