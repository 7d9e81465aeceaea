/**
 * Stock truth within one sweep: the expiry sweep calls this after enqueueing expiries. It takes the SKUs
 * whose units moved while baskets watched them (flagged by the write that moved them, see the
 * stock-revisits migration) and sends each basket whose view may now be wrong a `recalculate` through its
 * own lane: a basket whose units were taken shows ProductItemNotAvailable, one whose units came back
 * loses the flash. Bounded: at most `batch` SKUs and `batch` baskets per sweep; a SKU whose baskets do
 * not fit is flagged again for the next sweep.
 *
 * The re-pricing's mutation id is derived from the basket and the version it was seen at, so draining
 * the same news twice (two sweeps before the lane ran it, or two processes) enqueues it once; once it
 * ran, the basket's version moved and a later change makes a new one. Exactly-once and order are the
 * lane's, as for every mutation.
 */
import type { Db } from '../persistence/database.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import { flagStock, revisitCandidates, takeFlaggedStocks } from '../persistence/stock-revisit.repository.js';
import { idempotentMutationId } from './ids.js';
import { SYSTEM_OWNER } from './sweep-expired-reservations.js';

export async function revisitStockWatchers(deps: { db: Db; lanes: LaneQueues; now: () => Date }, batch: number): Promise<{ skus: number; baskets: number }> {
  const now = deps.now();
  const flagged = await takeFlaggedStocks(deps.db, batch);
  let budget = batch;
  const seen = new Set<string>();
  for (const stock of flagged) {
    if (budget <= 0) {
      await flagStock(deps.db, stock);
      continue;
    }
    const candidates = await revisitCandidates(deps.db, stock, now, budget + 1);
    if (candidates.length > budget) await flagStock(deps.db, stock);
    for (const c of candidates.slice(0, budget)) {
      budget--;
      if (seen.has(c.basketId)) continue;
      seen.add(c.basketId);
      await deps.lanes.add({
        mutationId: idempotentMutationId(SYSTEM_OWNER, `revisit:${c.basketId}:${c.version}`),
        basketId: c.basketId,
        ownerId: SYSTEM_OWNER,
        role: 'agent',
        command: { kind: 'recalculate' },
        idempotencyKey: null,
        requestHash: null,
        enqueuedAt: now.toISOString(),
        replyTo: null,
      });
    }
  }
  return { skus: flagged.length, baskets: seen.size };
}
