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
 *
 * The flags are cleared when taken, before the re-pricings are enqueued (no lock is held across Redis
 * calls, which would stall the writes that move those units). So the news is not lost: a SKU whose
 * re-pricings could not all be enqueued (an error) is flagged again with every SKU after it, and a process
 * that died in between is covered by its restart, which flags every watched SKU (`flagWatchedStocks`, called
 * by the expiry scheduler when it starts).
 */
import type { Db } from '../persistence/database.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import { flagStock, flagWatchedStocks, revisitCandidates, takeFlaggedStocks, type FlaggedStock } from '../persistence/stock-revisit.repository.js';
import { idempotentMutationId } from './ids.js';
import { SYSTEM_OWNER } from './sweep-expired-reservations.js';

export async function revisitStockWatchers(
  deps: { db: Db; lanes: Pick<LaneQueues, 'add'>; now: () => Date },
  batch: number,
): Promise<{ skus: number; baskets: number }> {
  const now = deps.now();
  const flagged = await takeFlaggedStocks(deps.db, batch);
  let budget = batch;
  const seen = new Set<string>();
  for (const [i, stock] of flagged.entries()) {
    if (budget <= 0) {
      await flagStock(deps.db, stock);
      continue;
    }
    try {
      budget = await enqueueRevisits(deps, stock, now, budget, seen);
    } catch (err) {
      // This SKU's and the later ones' news would be lost with their cleared flags: flag them again.
      for (const untreated of flagged.slice(i)) await flagStock(deps.db, untreated);
      throw err;
    }
  }
  return { skus: flagged.length, baskets: seen.size };
}

/**
 * For a process that starts: has every watched SKU judged afresh by the next sweeps (news a drain took
 * and lost when its process died is found again). Returns how many SKUs were flagged.
 */
export async function rejudgeEveryWatcher(db: Db): Promise<number> {
  return flagWatchedStocks(db);
}

/** Enqueues a re-pricing for each basket whose view of `stock` may be wrong, within `budget`; returns the budget left. */
async function enqueueRevisits(
  deps: { db: Db; lanes: Pick<LaneQueues, 'add'> },
  stock: FlaggedStock,
  now: Date,
  budget: number,
  seen: Set<string>,
): Promise<number> {
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
  return budget;
}
