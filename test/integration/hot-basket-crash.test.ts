/**
 * A worker killed with SIGKILL while hot baskets are moving between lanes (src/queue/basket-backpressure.ts):
 * nothing is lost, nothing applied twice, every basket's writes applied in the order they were accepted.
 */
import { describe, expect, it } from 'vitest';
import { createBaskets, eventually, Shopper } from '../support/harness.js';
import { expectHotBasketInvariants, hammerOneBasket } from '../support/hot-basket.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations } from '../support/invariants.js';
import { pendingKey } from '../../src/queue/basket-backpressure.js';

// Two home lanes, one hot lane; a backlog of 3 makes a basket hot, and it cools down quickly, so the
// baskets below keep moving (held, draining, switched) while the worker dies. Each basket's adds
// carry their client and order (test/support/hot-basket.ts).
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
    const baskets = await createBaskets(shopper, 6);
    // Per basket 5 synchronous clients (their writes wait for the basket's move) and 2 asynchronous ones
    // (accepted before they are applied: their order across a move is the one at stake), 6 adds each.
    const PER_BASKET = 7 * 6;
    const sending = Promise.all(
      baskets.map(async (id, i) =>
        (
          await Promise.all([
            hammerOneBasket(shopper, id, f.sku, { clients: 5, perClient: 6, tag: `s${i}` }),
            hammerOneBasket(shopper, id, f.sku, { clients: 2, perClient: 6, tag: `a${i}`, headers: { prefer: 'respond-async' } }),
          ])
        ).flat(),
      ),
    );
    await eventually(async () => ((await countMutations(f.h.res.db, baskets)) >= 40 ? true : undefined), 30_000, 10);
    first.kill('SIGKILL');
    await first.exited;
    const killedAt = await countMutations(f.h.res.db, baskets);
    expect(killedAt).toBeLessThan(6 * PER_BASKET);

    const second = worker();
    await second.waitFor(/mutation workers started/);
    const sent = await sending;
    expect(new Set(sent.flat().map((x) => x.status))).toEqual(new Set([200, 202]));
    await eventually(async () => ((await countMutations(f.h.res.db, baskets)) === 6 * PER_BASKET ? true : undefined), 90_000, 100);
    for (const [i, id] of baskets.entries()) await expectHotBasketInvariants(f.h.res.db, id, PER_BASKET, sent[i]);
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
