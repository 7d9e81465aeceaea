/**
 * The lane watchdog on standalone Redis: a queue with waiting jobs, none active and no progress past the
 * bound is reported stuck (/ready 503 naming it) and its worker recreated (logged, counted); a worker
 * that stopped taking jobs is replaced and the lane moves again; after a Redis restart that lost every
 * key, each lane gets its serial limit back and applies new writes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { eventually, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { ownRedis } from '../support/own-services.js';
import { LaneWatchdog } from '../../src/queue/lane-watchdog.js';
import { LaneHealth } from '../../src/observability/lane-health.js';
import { laneOf, laneBullPrefix, laneQueueName } from '../../src/queue/lanes.js';
import { createOpsServer } from '../../src/bootstrap/ops-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function harness(overrides: Record<string, string>): Promise<Harness> {
  const h = await startHarness({ LANES: '4', LANE_WATCHDOG_MS: '1000', ...overrides });
  cleanups.push(() => h.close());
  return h;
}

describe('the lane watchdog', () => {
  it('reports a queue with a waiting job, nothing active and no progress as stuck and recreates its worker, at most once per bound', async () => {
    const h = await harness({});
    const prefix = `${h.config.REDIS_PREFIX}:{watched}`;
    const queue = new Queue('watched', { connection: h.res.redis, prefix });
    cleanups.push(() => queue.close());
    const health = new LaneHealth();
    const recreated: string[] = [];
    let nowMs = 1_000_000;
    const watched = { name: 'watched', serial: true, key: (t: string) => `${prefix}:watched:${t}`, recreate: async () => void recreated.push('watched') };
    const dog = new LaneWatchdog(h.res.redis, () => [watched], { boundMs: 3000, everyMs: 1000, logger: pino({ level: 'silent' }), health, onRecreated: () => undefined, now: () => nowMs });

    await dog.tick();
    expect(await h.res.redis.hget(`${prefix}:watched:meta`, 'concurrency')).toBe('1'); // a serial queue gets its limit
    await queue.add('j', {}, { jobId: 'one' });
    await dog.tick(); // first seen pending
    nowMs += 2000;
    await dog.tick();
    expect(health.healthy()).toBe(true);
    nowMs += 1500; // 3.5 s with the same head: stuck
    await dog.tick();
    expect(health.stuckQueues()).toEqual(['watched']);
    expect(recreated).toEqual(['watched']);
    nowMs += 1000;
    await dog.tick(); // still stuck, but recreated less than a bound ago
    expect(recreated).toEqual(['watched']);
    nowMs += 3000;
    await dog.tick();
    expect(recreated).toEqual(['watched', 'watched']);

    // Progress (the job taken) makes it healthy again.
    await h.res.redis.lmove(`${prefix}:watched:wait`, `${prefix}:watched:active`, 'RIGHT', 'LEFT');
    await dog.tick();
    expect(health.healthy()).toBe(true);
    // A paused queue is never stuck.
    await h.res.redis.lmove(`${prefix}:watched:active`, `${prefix}:watched:wait`, 'RIGHT', 'LEFT');
    await queue.pause();
    for (let i = 0; i < 5; i++, nowMs += 2000) await dog.tick();
    expect(health.healthy()).toBe(true);
  });

  it('replaces a lane worker that stopped taking jobs: /ready fails naming the lane, the write is applied, the recreation counted', async () => {
    const h = await harness({});
    const sku = `${h.tag}-wd`;
    await seedProducts(h, [{ sku, price: '2.00' }]);
    const s = new Shopper(h);
    const basket = await s.createBasket();
    const lane = laneOf(basket, h.config.LANES);
    // The worker stops fetching (as a wedged blocking connection would).
    await h.workers!.lanes[lane]!.current.pause(true);
    const ops = await createOpsServer(h.res);
    cleanups.push(() => ops.close());
    const r = await s.addItems(basket, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
    expect(r.statusCode).toBe(202);
    const notReady = await eventually(async () => {
      const ready = await ops.inject({ method: 'GET', url: '/ready' });
      return ready.statusCode === 503 ? ready.json() : undefined;
    }, 10_000, 20);
    expect(notReady).toMatchObject({ status: 'not_ready', checks: { lanes: false, redis: true, postgres: true }, stuck: [laneQueueName(lane)] });
    await eventually(async () => {
      const m = (await s.request('GET', r.headers.location as string)).json();
      return m.status === 'applied' ? m : undefined;
    }, 10_000, 100);
    await eventually(async () => ((await ops.inject({ method: 'GET', url: '/ready' })).statusCode === 200 ? true : undefined), 10_000, 100);
    const metrics = (await ops.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(new RegExp(`basket_lane_worker_recreated_total\\{queue="${laneQueueName(lane)}",process="basket"\\} 1`));
    expect(h.workers!.lanes[lane]!.recreated).toBe(1);
  });

  it('after a Redis restart that lost every key, restores each lane\'s serial limit and every lane applies writes again', async () => {
    const redis = await ownRedis();
    cleanups.push(() => redis.destroy());
    const h = await harness({ REDIS_URL: redis.url });
    const sku = `${h.tag}-rs`;
    await seedProducts(h, [{ sku, price: '3.00' }]);
    const s = new Shopper(h);
    const byLane = new Map<number, string>();
    while (byLane.size < h.config.LANES) {
      const id = await s.createBasket();
      byLane.set(laneOf(id, h.config.LANES), id);
    }
    for (const id of byLane.values()) expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);

    await redis.stop();
    await redis.start();
    const restarted = Date.now();
    await Promise.all(
      [...byLane].map(async ([lane, id]) => {
        const r = await eventually(async () => {
          const res = await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
          return res.statusCode === 200 ? res : undefined;
        }, 20_000, 200);
        expect(r.json().product_items[0].quantity).toBe(2);
        expect(await h.res.redis.hget(`${laneBullPrefix(h.config.REDIS_PREFIX, lane)}:${laneQueueName(lane)}:meta`, 'concurrency')).toBe('1');
      }),
    );
    expect(Date.now() - restarted).toBeLessThan(20_000);
  });
});
