/**
 * One basket flooded with `Prefer: respond-async` writes must not hold up a neighbour on its lane:
 * with backpressure the flood is refused past MAX_QUEUED_PER_BASKET and the neighbour's synchronous
 * write stays fast. Measured without the bound too (MAX_QUEUED_PER_BASKET=0), for comparison.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { seedProducts, Shopper, startHarness, testEnv } from '../support/harness.js';
import { startService, stopService } from '../support/processes.js';

interface Figures {
  accepted: number;
  refused: number;
  /** The neighbour's synchronous adds over HTTP (in-process here, so the flood's requests slow these too). */
  neighbourMs: number[];
  /** The same adds in the lane: accepted to applied, from the mutation log. */
  laneMs: number[];
}

async function floodAndMeasure(env: Record<string, string>, acceptAtMost = Infinity): Promise<Figures> {
  // One lane: the neighbour certainly shares the flooded basket's lane. The worker runs in a process
  // of its own, as in production: the flood's requests must not take its CPU in this test's process.
  // Backpressure alone: no hot lane to move the flood to (hot-basket.test.ts covers that).
  const vars = testEnv({ LANES: '1', HOT_LANES: '0', SYNC_WAIT_MS: '30000', ...env });
  const h = await startHarness(vars, { workers: false });
  const worker = startService('workers/mutation.worker.ts', { ...vars, LOG_LEVEL: 'info' });
  try {
    await worker.waitFor(/mutation workers started/);
    const sku = `${h.tag}-fl`;
    await seedProducts(h, [{ sku, price: '1.00' }]);
    const s = new Shopper(h, 'flooder');
    const n = new Shopper(h, 'neighbour');
    const [flooded, neighbour] = [await s.createBasket(), await n.createBasket()];
    // The flood goes on until the neighbour is done (at most TOTAL writes accepted or refused).
    const TOTAL = 20_000;
    let sent = 0;
    let accepted = 0;
    let refused = 0;
    let stop = false;
    const flood = Array.from({ length: 16 }, async () => {
      while (!stop && sent < TOTAL && accepted < acceptAtMost) {
        sent++;
        const r = await s.addItems(flooded, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
        if (r.statusCode === 202) accepted++;
        else if (r.statusCode === 429) refused++;
        else throw new Error(`flood: ${r.statusCode} ${r.body}`);
      }
    });
    while (sent < 300) await new Promise((r) => setTimeout(r, 5));
    expect(stop).toBe(false);
    const neighbourMs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const r = await n.addItems(neighbour, [{ product_id: sku, quantity: 1 }]);
      neighbourMs.push(Math.round(performance.now() - t0));
      expect(r.statusCode, r.body).toBe(200);
    }
    stop = true;
    await Promise.all(flood);
    const { rows } = await sql<{ ms: number }>`
      select round(extract(epoch from (finished_at - enqueued_at)) * 1000)::int as ms
      from mutations where basket_id = ${neighbour} and kind = 'add_items' order by enqueued_at`.execute(h.res.db);
    return { accepted, refused, neighbourMs, laneMs: rows.map((r) => r.ms) };
  } finally {
    await stopService(worker, 'SIGKILL');
    await h.close();
  }
}

describe('a flooded basket beside a neighbour on its lane', () => {
  it('with backpressure, the flood is refused and the neighbour stays fast (figures: without, then with)', async () => {
    const without = await floodAndMeasure({ MAX_QUEUED_PER_BASKET: '0' }, 800);
    const bounded = await floodAndMeasure({ MAX_QUEUED_PER_BASKET: '20' });
    const line = (name: string, r: Figures) =>
      `${name}: ${r.accepted} accepted, ${r.refused} refused; neighbour's synchronous add: lane ms ${r.laneMs.join(', ')}, HTTP ms ${r.neighbourMs.join(', ')}`;
    console.warn(line('flood without backpressure', without));
    console.warn(line('flood with MAX_QUEUED_PER_BASKET=20', bounded));
    expect(without.refused).toBe(0);
    expect(bounded.refused).toBeGreaterThan(0);
    // Generous bounds: the machine is shared, and here the flood's requests, the API and the worker
    // share one process; without the bound the neighbour waits behind hundreds of jobs.
    expect(Math.max(...bounded.laneMs)).toBeLessThan(2500);
    expect(Math.max(...bounded.neighbourMs)).toBeLessThan(5000);
    expect(Math.max(...without.laneMs)).toBeGreaterThan(Math.max(...bounded.laneMs));
  }, 120_000);
});
