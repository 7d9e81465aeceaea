/**
 * Graceful shutdown: SIGTERM lets in-flight work finish and exits 0 within a bound; a rolling restart
 * of workers under load loses nothing, applies nothing twice and leaves no stalled job.
 */
import { describe, expect, it } from 'vitest';
import { QueueEvents } from 'bullmq';
import { addInSequence, createBaskets, eventually, Shopper } from '../support/harness.js';
import { freePort } from '../support/own-services.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { laneBullPrefix, laneQueueName } from '../../src/queue/lanes.js';

const f = useProcessFixture({ suffix: 'tee', price: '15.00' });
const spawn = f.spawn;

describe('a rolling restart of workers under load', () => {
  it('finishes in-flight jobs, exits 0, and leaves nothing stalled, lost or doubled', async () => {
    const stalled: string[] = [];
    const events = Array.from({ length: f.h.config.LANES }, (_, k) => {
      const qe = new QueueEvents(laneQueueName(k), { connection: f.h.res.newRedis(), prefix: laneBullPrefix(f.h.config.REDIS_PREFIX, k) });
      qe.on('stalled', ({ jobId }) => stalled.push(jobId));
      return qe;
    });
    try {
      await Promise.all(events.map((e) => e.waitUntilReady()));
      const shopper = new Shopper(f.h, 'agent-rolling', 'agent');
      let worker = spawn('workers/mutation.worker.ts');
      await worker.waitFor(/mutation workers started/);
      const baskets = await createBaskets(shopper, 20);
      const sending = addInSequence(shopper, baskets, f.sku, 25);
      // Three restarts while the shoppers keep sending.
      for (let round = 0; round < 3; round++) {
        await eventually(async () => ((await countMutations(f.h.res.db, baskets)) >= (round + 1) * 80 ? true : undefined), 30_000, 20);
        const next = spawn('workers/mutation.worker.ts');
        await next.waitFor(/mutation workers started/);
        const started = Date.now();
        expect(await stopService(worker, 'SIGTERM')).toBe(0);
        expect(Date.now() - started).toBeLessThan(10_000);
        worker = next;
      }
      expect(new Set(await sending)).toEqual(new Set([202]));
      await eventually(async () => ((await countMutations(f.h.res.db, baskets)) === 500 ? true : undefined), 60_000, 100);
      await expectAppliedInOrder(f.h.res.db, baskets, 25);
      const active = await Promise.all(f.h.api.lanes.all().map((q) => q.getActiveCount()));
      expect(active.reduce((a, b) => a + b, 0)).toBe(0);
      expect(stalled).toEqual([]);
      expect(await stopService(worker, 'SIGTERM')).toBe(0);
    } finally {
      await Promise.all(events.map((e) => e.close()));
    }
  });
});

describe('SIGTERM to an API process with requests in flight', () => {
  it('answers every request it had taken, refuses new ones, and exits 0', async () => {
    const port = await freePort();
    const api = spawn('workers/api.ts', { PORT: String(port) });
    await api.waitFor(/Server listening/);
    const base = `http://127.0.0.1:${port}`;
    const shopper = new Shopper(f.h, 'agent-api-stop', 'agent');
    const setup = spawn('workers/mutation.worker.ts');
    await setup.waitFor(/mutation workers started/);
    const baskets = await createBaskets(shopper, 10);
    expect(await stopService(setup, 'SIGTERM')).toBe(0);
    const post = (id: string) =>
      fetch(`${base}/s/default/dw/shop/v23_2/baskets/${id}/items`, {
        method: 'POST',
        headers: { ...shopper.headers, 'content-type': 'application/json' },
        body: JSON.stringify([{ product_id: f.sku, quantity: 1 }]),
      }).then(
        (r) => r.status,
        () => 'refused' as const,
      );
    // No worker yet: the 30 writes are accepted and wait for their results inside the API.
    const inFlight = baskets.flatMap((id) => [post(id), post(id), post(id)]);
    await eventually(async () =>
      (await Promise.all(f.h.api.lanes.all().map((q) => q.getWaitingCount()))).reduce((a, b) => a + b, 0) === 30 ? true : undefined,
    );
    const stopping = stopService(api, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(await post(baskets[0]!)).not.toBe(200);
    const worker = spawn('workers/mutation.worker.ts');
    expect(await stopping).toBe(0);
    expect(await Promise.all(inFlight)).toEqual(Array(30).fill(200));
    expect(await countMutations(f.h.res.db, baskets)).toBe(30);
    expect(await stopService(worker, 'SIGTERM')).toBe(0);
  });
});
