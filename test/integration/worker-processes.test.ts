/**
 * Worker processes: several processes on the same lanes keep one job per basket at a time and lose
 * nothing; a worker killed with SIGKILL mid-stream loses nothing and applies nothing twice, also while
 * another worker keeps the states it wrote (warm states) for the same baskets.
 */
import { describe, expect, it } from 'vitest';
import { addInSequence, createBaskets, eventually, Shopper } from '../support/harness.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { freePort } from '../support/own-services.js';
import { sql } from 'kysely';

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

/** A worker's `basket_warm_state_total` counters, from its /metrics. */
async function warmCounts(port: number): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const count = (result: string) => Number(new RegExp(`^basket_warm_state_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

describe('two worker processes keeping warm states, one killed with SIGKILL mid-stream', () => {
  it("loses nothing, applies nothing twice, keeps each basket's order, and holds exactly the units its lines want", async () => {
    const shopper = new Shopper(f.h, 'agent-warm-crash', 'agent');
    const survivorPort = await freePort();
    const survivor = f.spawn('workers/mutation.worker.ts', { WORKER_PORT: String(survivorPort) });
    const doomed = worker();
    await Promise.all([survivor.waitFor(/mutation workers started/), doomed.waitFor(/mutation workers started/)]);
    const baskets = await createBaskets(shopper, 16);
    expect(new Set(await addInSequence(shopper, baskets, f.sku, 20))).toEqual(new Set([202]));
    await eventually(async () => ((await appliedAdds(baskets)) >= 60 ? true : undefined), 30_000, 10);
    doomed.kill('SIGKILL');
    await doomed.exited;
    expect(await appliedAdds(baskets)).toBeLessThan(320);
    // The survivor takes the dead worker's lanes; a replacement joins later, so the two again share baskets.
    const replacement = worker();
    await replacement.waitFor(/mutation workers started/);
    await eventually(async () => ((await appliedAdds(baskets)) === 320 ? true : undefined), 60_000, 100);
    await expectInvariants(baskets, 20);
    // Stock: every basket holds what its line wants, and the SKU's reserved units are exactly their sum.
    // (The SKU is shared with this file's other tests: reserved counts their baskets' holdings too.)
    const { rows } = await sql<{ ours: number; held: number; reserved: number }>`
      select (select coalesce(sum(quantity), 0)::int from reservations where sku = ${f.sku} and basket_id = any(${baskets}::uuid[])) as ours,
             (select coalesce(sum(quantity), 0)::int from reservations where sku = ${f.sku}) as held,
             (select reserved from stocks where sku = ${f.sku} and stock_list = 'default') as reserved`.execute(f.h.res.db);
    expect(rows[0]!.ours).toBe(320);
    expect(rows[0]!.reserved).toBe(rows[0]!.held);
    // The survivor applied mutations from its kept states (some may have been refused when the other worker
    // had moved the basket on: under a backlog a lane mostly stays with one worker, so not always; the refusal
    // itself is tested deterministically in warm-states.test.ts).
    const counts = await warmCounts(survivorPort);
    expect(counts.hit).toBeGreaterThan(0);
    expect(await stopService(replacement)).toBe(0);
    expect(await stopService(survivor)).toBe(0);
  });
});
