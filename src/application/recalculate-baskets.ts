/**
 * After a catalogue change: enqueue a `recalculate` mutation, through each basket's lane, for every
 * active basket holding one of the SKUs, so prices, flashes and availability show the change and stay
 * serial with the shoppers' own changes.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../persistence/database.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import { SYSTEM_OWNER } from './sweep-expired-reservations.js';

const CHUNK = 200;

/** Every active basket holding one of `skus`, or belonging to one of `sites` (after a site or shipping change). */
export async function recalculateBasketsHolding(
  deps: { db: Db; lanes: LaneQueues; now: () => Date },
  skus: readonly string[],
  sites: readonly string[] = [],
): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    select b.id from baskets b
    where b.status = 'active'
      and (b.site_id = any(${[...sites]}::text[])
           or exists (select 1 from basket_lines l where l.basket_id = b.id and l.sku = any(${[...skus]}::text[])))`.execute(deps.db);
  const enqueuedAt = deps.now().toISOString();
  for (let i = 0; i < rows.length; i += CHUNK) {
    await Promise.all(
      rows.slice(i, i + CHUNK).map((r) =>
        deps.lanes.add({
          mutationId: randomUUID(),
          basketId: r.id,
          ownerId: SYSTEM_OWNER,
          role: 'agent',
          command: { kind: 'recalculate' },
          idempotencyKey: null,
          requestHash: null,
          enqueuedAt,
          replyTo: null,
        }),
      ),
    );
  }
  return rows.length;
}
