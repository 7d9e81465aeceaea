/**
 * Worker processes: several processes on the same lanes keep one job per basket at a time and lose
 * nothing; a worker killed with SIGKILL mid-stream loses nothing and applies nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { addInSequence, createBaskets, eventually, Shopper } from '../support/harness.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';

const f = useProcessFixture({ suffix: 'sock', price: '2.50' });
const worker = () => f.spawn('workers/mutation.worker.ts');

const appliedAdds = (baskets: string[]) => countMutations(f.h.res.db, baskets);
const expectInvariants = (baskets: string[], perBasket: number) => expectAppliedInOrder(f.h.res.db, baskets, perBasket);

async function activeJobs(): Promise<number> {
  const counts = await Promise.all(f.h.api.lanes.all().map((q) => q.getActiveCount()));
  return counts.reduce((a, b) => a + b, 0);
}

describe('two worker processes on the same lanes', () => {
  it('run one job per lane at a time, apply in order, and lose nothing', async () => {
    const [a, b] = [worker(), worker()];
    await Promise.all([a.waitFor(/mutation workers started/), b.waitFor(/mutation workers started/)]);
    const shopper = new Shopper(f.h, 'agent-multi', 'agent');
    const baskets = await createBaskets(shopper, 16);

    let maxActivePerLane = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const counts = await Promise.all(f.h.api.lanes.all().map((q) => q.getActiveCount()));
        maxActivePerLane = Math.max(maxActivePerLane, ...counts);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    expect(new Set(await addInSequence(shopper, baskets, f.sku, 25))).toEqual(new Set([202]));
    await eventually(async () => ((await appliedAdds(baskets)) === 16 * 25 ? true : undefined), 60_000, 100);
    sampling = false;
    await sampler;

    expect(maxActivePerLane).toBe(1);
    await expectInvariants(baskets, 25);
    await Promise.all([stopService(a), stopService(b)]);
  });
});

describe('a worker killed with SIGKILL while 500 mutations are in flight', () => {
  it('loses nothing, applies nothing twice, and leaves no job active once restarted', async () => {
    const shopper = new Shopper(f.h, 'agent-crash', 'agent');
    const first = worker();
    await first.waitFor(/mutation workers started/);
    const baskets = await createBaskets(shopper, 25);
    expect(new Set(await addInSequence(shopper, baskets, f.sku, 20))).toEqual(new Set([202]));
    await eventually(async () => ((await appliedAdds(baskets)) >= 50 ? true : undefined), 30_000, 10);
    first.kill('SIGKILL');
    await first.exited;
    const killedAt = await appliedAdds(baskets);
    expect(killedAt).toBeLessThan(500);

    const second = worker();
    await second.waitFor(/mutation workers started/);
    await eventually(async () => ((await appliedAdds(baskets)) === 500 ? true : undefined), 60_000, 100);
    await expectInvariants(baskets, 20);
    await eventually(async () => ((await activeJobs()) === 0 ? true : undefined), 15_000, 100);
    const failed = await Promise.all(f.h.api.lanes.all().map((q) => q.getFailedCount()));
    expect(failed.reduce((x, y) => x + y, 0)).toBe(0);
    expect(await stopService(second)).toBe(0);
  });
});
