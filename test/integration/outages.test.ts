/**
 * Outages of the services, each on a private instance (own port and data directory): Redis going away
 * turns writes into fast 503s and leaves reads working from PostgreSQL; PostgreSQL going away and coming
 * back is absorbed by in-lane retries, losing and reordering nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { addInSequence, createBaskets, eventually, OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { ownPostgres, ownRedis, type OwnService } from '../support/own-services.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/persistence/database.js';
import { prepareDatabase } from '../../src/bootstrap/resources.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('when Redis goes away', () => {
  it('writes answer 503 quickly and change nothing, reads still work, and all recovers when it is back', async () => {
    const redis: OwnService = await ownRedis();
    cleanups.push(() => redis.destroy());
    const h: Harness = await startHarness({ REDIS_URL: redis.url });
    cleanups.push(() => h.close());
    const sku = `${h.tag}-outage`;
    await seedProducts(h, [{ sku, price: '7.00' }]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);

    await redis.stop();
    const started = Date.now();
    const refused = await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().fault.type).toBe('ServiceUnavailableException');
    expect(Date.now() - started).toBeLessThan(5000);
    const read = await s.get(id);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"2"');

    // Back, but empty (no persistence on this instance): the lanes' serial limit is restored on reconnect.
    await redis.start();
    await eventually(async () => ((await h.api.lanes.queue(0).getGlobalConcurrency()) === 1 ? true : undefined), 15_000, 100);
    const again = await eventually(async () => {
      const r = await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
      return r.statusCode === 200 ? r : undefined;
    }, 15_000, 200);
    expect(again.headers.etag).toBe('"3"');
    expect(again.json().product_items[0].quantity).toBe(2);
  });
});

describe('when PostgreSQL goes away and comes back', () => {
  it('retries inside the lanes: every accepted mutation applied once, in order', async () => {
    const pgs = await ownPostgres();
    cleanups.push(() => pgs.destroy());
    const config = loadConfig({ DATABASE_URL: pgs.url });
    const db = createDatabase(config.DATABASE_URL, 1);
    await prepareDatabase(config, db, pino({ level: 'silent' }));
    await db.destroy();

    const h = await startHarness({ DATABASE_URL: pgs.url, SYNC_WAIT_MS: '30000' });
    cleanups.push(() => h.close());
    const sku = `${h.tag}-pgdown`;
    await seedProducts(h, [{ sku, price: '1.25' }]);
    const agent = new Shopper(h, 'agent-pg', 'agent');
    const baskets = await createBaskets(agent, 6);

    const sending = addInSequence(agent, baskets, sku, 30);
    await eventually(async () => ((await countMutations(h.res.db, baskets)) >= 40 ? true : undefined), 30_000, 20);
    await pgs.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await pgs.start();
    expect(new Set(await sending)).toEqual(new Set([202]));
    await eventually(async () => ((await countMutations(h.res.db, baskets).catch(() => 0)) === 180 ? true : undefined), 60_000, 200);
    await expectAppliedInOrder(h.res.db, baskets, 30);
    const failed = await Promise.all(h.api.lanes.all().map((q) => q.getFailedCount()));
    expect(failed.reduce((a, b) => a + b, 0)).toBe(0);
    // Reads are whole again too.
    expect((await agent.request('GET', `${OCAPI}/baskets/${baskets[0]}`)).headers.etag).toBe('"31"');
  });
});
