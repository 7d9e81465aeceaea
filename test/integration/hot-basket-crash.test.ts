/**
 * A worker killed with SIGKILL while hot baskets are moving between lanes (src/queue/basket-backpressure.ts):
 * nothing is lost, nothing applied twice, every basket's writes applied in the order they were accepted.
 */
import { describe, expect, it } from 'vitest';
import { addInSequence, createBaskets, eventually, Shopper } from '../support/harness.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { pendingKey } from '../../src/queue/basket-backpressure.js';

// Two home lanes, one hot lane; a backlog of 3 makes a basket hot, and it cools down quickly, so the
// baskets below keep moving (held, draining, switched) while the worker dies.
const f = useProcessFixture(
  { suffix: 'hotk', price: '3.10' },
  { LANES: '2', HOT_LANES: '1', HOT_BASKET_QUEUED: '3', HOT_BASKET_COOLDOWN_MS: '300', HOT_SWITCH_WAIT_MS: '3000' },
);
const worker = () => f.spawn('workers/mutation.worker.ts');

describe('a worker killed with SIGKILL while hot baskets switch lanes', () => {
  it("loses nothing, applies nothing twice, keeps each basket's order, and leaves no basket counted", async () => {
    const shopper = new Shopper(f.h, 'agent-hot-crash', 'agent');
    const first = worker();
    await first.waitFor(/mutation workers started/);
    const baskets = await createBaskets(shopper, 12);
    // Asynchronous adds in sequence per basket: each basket's backlog builds at once, crosses the
    // threshold, and its later adds wait for its home lane to drain before they move.
    const sending = addInSequence(shopper, baskets, f.sku, 20);
    await eventually(async () => ((await countMutations(f.h.res.db, baskets)) >= 40 ? true : undefined), 30_000, 10);
    first.kill('SIGKILL');
    await first.exited;
    const killedAt = await countMutations(f.h.res.db, baskets);
    expect(killedAt).toBeLessThan(240);

    const second = worker();
    await second.waitFor(/mutation workers started/);
    expect(new Set(await sending)).toEqual(new Set([202]));
    await eventually(async () => ((await countMutations(f.h.res.db, baskets)) === 240 ? true : undefined), 90_000, 100);
    await expectAppliedInOrder(f.h.res.db, baskets, 20);
    // Both kinds of lane ran these baskets.
    expect(await f.h.api.lanes.queue(2).getCompletedCount()).toBeGreaterThan(0);
    expect((await f.h.api.lanes.queue(0).getCompletedCount()) + (await f.h.api.lanes.queue(1).getCompletedCount())).toBeGreaterThan(0);
    const failed = await Promise.all(f.h.api.lanes.all().map((q) => q.getFailedCount()));
    expect(failed.reduce((x, y) => x + y, 0)).toBe(0);
    // Every mutation counted out once finished (a re-run after the kill counts out too).
    for (const id of baskets) {
      await eventually(async () => ((await f.h.res.redis.zcard(pendingKey(f.h.config.REDIS_PREFIX, id))) === 0 ? true : undefined), 15_000, 50);
    }
    expect(await stopService(second)).toBe(0);
  }, 180_000);
});
