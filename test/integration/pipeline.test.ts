/**
 * The write pipeline end to end: API → lane → worker → PostgreSQL → snapshot → reply, against real
 * PostgreSQL and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { LANE_EVENTS_MAX_LEN } from '../../src/queue/lane-queues.js';
import { eventually, OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { loadSnapshot } from '../../src/persistence/basket.repository.js';

let h: Harness;
let sku: string;
let sku2: string;

beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-guitar`;
  sku2 = `${h.tag}-strings`;
  await seedProducts(h, [
    { sku, name: 'Guitar', price: '120.00', tax_rate: '0.18' },
    { sku: sku2, name: 'Strings', price: '9.99', tax_rate: '0.08' },
  ]);
});
afterAll(async () => h?.close());

describe('a synchronous add to cart', () => {
  it('answers 200 with the new document, its version as ETag, and exact totals', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await s.addItems(id, [{ product_id: sku, quantity: 3 }]);
    expect(r.statusCode).toBe(200);
    expect(r.headers.etag).toBe('"2"');
    // Money is written as JSON numbers from the decimal text: "360.00", never 360.
    expect(r.body).toContain('"product_total":360.00');
    const doc = r.json();
    expect(doc.product_items).toHaveLength(1);
    expect(doc.product_items[0]).toMatchObject({ product_id: sku, quantity: 3, product_name: 'Guitar' });
    // Gross taxation: 360 × 0.18 / 1.18 = 54.9152… → 54.92
    expect(doc.tax_total).toBe(54.92);
    expect(doc.grouped_tax_items).toEqual([{ _type: 'grouped_tax_item', tax_rate: 0.18, tax_value: 54.92 }]);
    expect(doc.order_total).toBe(360);
  });

  it('adds up quantities of a product already in the basket on one line', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    const r = await s.addItems(id, [{ product_id: sku, quantity: 2 }, { product_id: sku2, quantity: 1 }]);
    const doc = r.json();
    expect(doc.product_items.map((i: { product_id: string; quantity: number }) => [i.product_id, i.quantity])).toEqual([[sku, 3], [sku2, 1]]);
    expect(r.body).toContain('"product_total":369.99');
  });

  it('stores totals equal to a fresh recomputation and the snapshot it served', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku2, quantity: 7 }]);
    const row = await h.res.db.selectFrom('baskets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(2);
    expect(row.product_total).toBe('69.93');
    // 69.93 × 0.08 / 1.08 = 5.18
    expect(row.tax_total).toBe('5.18');
    expect(((await loadSnapshot(h.res.db, id)) as { version: number }).version).toBe(2);
  });
});

describe('an asynchronous write', () => {
  it('answers 202 with a Location that reports the mutation applied once a worker ran it', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await s.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
    expect(r.statusCode).toBe(202);
    const location = r.headers.location as string;
    expect(location).toMatch(/^\/mutations\/[0-9a-f-]{36}$/);
    expect(r.json()).toMatchObject({ basket_id: id, status: 'queued' });
    const status = await eventually(async () => {
      const m = (await s.request('GET', location)).json();
      return m.status === 'applied' ? m : undefined;
    });
    expect(status).toMatchObject({ basket_id: id, status: 'applied', version: 2, error: null });
  });

  it('reports a rejection with its reason', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await s.addItems(id, [{ product_id: `${h.tag}-missing`, quantity: 1 }], { prefer: 'respond-async' });
    const status = await eventually(async () => {
      const m = (await s.request('GET', r.headers.location as string)).json();
      return m.status !== 'queued' ? m : undefined;
    });
    expect(status.status).toBe('rejected');
    expect(status.error.code).toBe('product_not_found');
    expect((await s.get(id)).headers.etag).toBe('"1"');
  });

  it('answers 202 when the result takes longer than SYNC_WAIT_MS', async () => {
    const slow = await startHarness({ SYNC_WAIT_MS: '1' }, { workers: false });
    try {
      const s = new Shopper(slow);
      const r = await s.request('POST', `${OCAPI}/baskets`, {});
      expect(r.statusCode).toBe(202);
      expect(r.headers.location).toMatch(/^\/mutations\//);
    } finally {
      await slow.close();
    }
  });
});

describe('Idempotency-Key', () => {
  it('returns the first response for a repeat with the same body and applies it once', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const key = { 'idempotency-key': `add-${id}` };
    const first = await s.addItems(id, [{ product_id: sku, quantity: 2 }], key);
    const second = await s.addItems(id, [{ product_id: sku, quantity: 2 }], key);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe('"2"');
    const now = (await s.get(id)).json();
    expect(now.product_items[0].quantity).toBe(2);
    const records = await h.res.db.selectFrom('mutations').select('id').where('basket_id', '=', id).where('kind', '=', 'add_items').execute();
    expect(records).toHaveLength(1);
  });

  it('answers 422 for the same key with another body, and changes nothing', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const key = { 'idempotency-key': `k-${id}` };
    await s.addItems(id, [{ product_id: sku, quantity: 1 }], key);
    const r = await s.addItems(id, [{ product_id: sku, quantity: 5 }], key);
    expect(r.statusCode).toBe(422);
    expect(r.json().fault.type).toBe('IdempotencyKeyReusedException');
    expect((await s.get(id)).json().product_items[0].quantity).toBe(1);
  });

  it('gives a repeat that arrives while the first is queued the same pending mutation', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const key = { 'idempotency-key': `race-${id}` };
    const results = await Promise.all(Array.from({ length: 10 }, () => s.addItems(id, [{ product_id: sku, quantity: 1 }], key)));
    for (const r of results) expect([200, 202]).toContain(r.statusCode);
    await eventually(async () => ((await s.get(id)).headers.etag === '"2"' ? true : undefined));
    expect((await s.get(id)).json().product_items[0].quantity).toBe(1);
    const locations = new Set(results.filter((r) => r.statusCode === 202).map((r) => r.headers.location));
    expect(locations.size).toBeLessThanOrEqual(1);
  });

  it('creates one basket for a repeated POST /baskets with the same key', async () => {
    const s = new Shopper(h);
    const key = { 'idempotency-key': `create-${s.sub}` };
    const first = await s.request('POST', `${OCAPI}/baskets`, {}, key);
    const second = await s.request('POST', `${OCAPI}/baskets`, {}, key);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json().basket_id).toBe(first.json().basket_id);
    const rows = await h.res.db.selectFrom('baskets').select('id').where('owner_id', '=', s.sub).execute();
    expect(rows).toHaveLength(1);
  });

  it('still knows a key after its Redis ticket is gone: same body → first result, other body → 422', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const key = { 'idempotency-key': `forgotten-${id}` };
    const first = await s.addItems(id, [{ product_id: sku, quantity: 1 }], key);
    const record = await h.res.db.selectFrom('mutations').select('id').where('basket_id', '=', id).where('kind', '=', 'add_items').executeTakeFirstOrThrow();
    expect(await h.res.redis.del(h.api.submitter.ticketKey(record.id))).toBe(1);
    const again = await s.addItems(id, [{ product_id: sku, quantity: 1 }], key);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    const other = await s.addItems(id, [{ product_id: sku, quantity: 3 }], { 'idempotency-key': `forgotten-${id}` });
    expect(other.statusCode).toBe(422);
    expect((await s.get(id)).json().product_items[0].quantity).toBe(1);
  });

  it('scopes keys per customer: another customer with the same key gets its own mutation', async () => {
    const a = new Shopper(h);
    const b = new Shopper(h);
    const [ia, ib] = [await a.createBasket(), await b.createBasket()];
    const key = { 'idempotency-key': 'shared-key' };
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 1 }], key)).statusCode).toBe(200);
    expect((await b.addItems(ib, [{ product_id: sku, quantity: 1 }], key)).statusCode).toBe(200);
  });
});

describe('ordering and concurrency', () => {
  it('applies 200 concurrent adds of one product to one basket exactly once each', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const results = await Promise.all(Array.from({ length: 200 }, () => s.addItems(id, [{ product_id: sku2, quantity: 1 }])));
    expect(results.map((r) => r.statusCode).filter((c) => c !== 200)).toEqual([]);
    const doc = (await s.get(id)).json();
    expect(doc.product_items[0].quantity).toBe(200);
    expect((await s.get(id)).headers.etag).toBe('"201"');
    // Each response saw a distinct version: 2..201.
    const versions = results.map((r) => Number((r.headers.etag as string).replace(/"/g, ''))).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    // 200 × 9.99 = 1998.00
    expect(doc.product_total).toBe(1998);
  });

  it('ends a sequence of quantity changes with the last one', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const item = (await s.addItems(id, [{ product_id: sku, quantity: 1 }])).json().product_items[0].item_id as string;
    const quantities = [5, 2, 9, 4, 7, 3, 8, 6];
    // Sent one after another without waiting for each result: the lane keeps their order.
    for (const q of quantities) await s.setQuantity(id, item, q, { prefer: 'respond-async' });
    const doc = await eventually<{ product_items: { quantity: number }[] }>(async () => {
      const r = await s.get(id);
      return r.headers.etag === `"${2 + quantities.length}"` ? r.json() : undefined;
    });
    expect(doc.product_items[0]?.quantity).toBe(6);
  });

  it('removes a line with quantity 0 and with DELETE', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const items = (await s.addItems(id, [{ product_id: sku, quantity: 1 }, { product_id: sku2, quantity: 1 }])).json().product_items;
    expect((await s.setQuantity(id, items[0].item_id, 0)).json().product_items).toHaveLength(1);
    const r = await s.request('DELETE', `${OCAPI}/baskets/${id}/items/${items[1].item_id}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().product_items).toEqual([]);
    expect(r.json().product_total).toBe(0);
  });

  it('deletes a basket: 204, then 404 for reads and writes', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await s.request('DELETE', `${OCAPI}/baskets/${id}`)).statusCode).toBe(204);
    expect((await s.get(id)).statusCode).toBe(404);
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(404);
  });
});

describe('reads', () => {
  it('shows the new version after a write and answers 304 to If-None-Match', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    const r = await s.get(id);
    expect(r.headers.etag).toBe('"2"');
    expect((await s.get(id, { 'if-none-match': '"2"' })).statusCode).toBe(304);
    expect((await s.get(id, { 'if-none-match': '"1"' })).statusCode).toBe(200);
    // `*` matches any current version; a list matches if any of its tags does.
    expect((await s.get(id, { 'if-none-match': '*' })).statusCode).toBe(304);
    expect((await s.get(id, { 'if-none-match': '"1", W/"2"' })).statusCode).toBe(304);
  });

  it('falls back to PostgreSQL when the snapshot is missing, and refills the cache', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 4 }]);
    await h.res.redis.del(h.res.cache.key(id));
    const r = await s.get(id);
    expect(r.statusCode).toBe(200);
    expect(r.json().product_items[0].quantity).toBe(4);
    expect((await h.res.cache.readHead(id, null))?.head.version).toBe(2);
  });

  it('never moves the cached snapshot backwards, and never serves a rendering of an older version', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    // This read renders version 2 once and shares the rendering through the cache.
    expect((await s.get(id)).json().product_items[0].quantity).toBe(1);
    expect((await h.res.cache.readHead(id, 'ocapi'))?.rendered).toContain('"quantity":1');
    const v2 = (await h.res.cache.readBody(id, 2))!;
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    // A late writer (a redelivered job, a refill) offers the older version: it must not land.
    expect(await h.res.cache.writeIfNewer(JSON.parse(v2))).toBe(false);
    expect((await h.res.cache.readHead(id, null))?.head.version).toBe(3);
    const r = await s.get(id);
    expect(r.headers.etag).toBe('"3"');
    expect(r.json().product_items[0].quantity).toBe(2);
    // A rendering offered for a version the cache no longer holds is dropped.
    await h.res.cache.storeRendering(id, 2, 'ocapi', '{"stale":true}');
    expect((await s.get(id)).json().product_items[0].quantity).toBe(2);
  });

  it('reads PostgreSQL when the client knows a newer version than the cache holds', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    // Simulate a cache that lags (e.g. its write failed): put version 1 back.
    const stale = (await loadSnapshot(h.res.db, id)) as object;
    await h.res.redis.hset(h.res.cache.key(id), 'v', '1', 'b', JSON.stringify({ ...stale, version: 1 }));
    const r = await s.get(id, { 'if-none-match': '"2"' });
    expect(r.statusCode).toBe(304);
  });
});

describe('job hygiene', () => {
  it('trims finished jobs and keeps the mutation log as the record', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    const lane = h.api.lanes.queue(h.api.lanes.laneFor(id));
    const job = (await lane.getCompleted(0, 0))[0];
    expect(job?.opts.removeOnComplete).toEqual({ count: 200 });
    const rows = await sql<{ n: number }>`select count(*)::int as n from mutations where basket_id = ${id}`.execute(h.res.db);
    expect(rows.rows[0]?.n).toBe(2);
  });

  it('keeps every lane events stream short (nothing reads it): about 100 entries, not the BullMQ default of 10,000', async () => {
    const lane = 3;
    const queue = h.api.lanes.queue(lane);
    const meta = await h.res.redis.hget(`${queue.qualifiedName}:meta`, 'opts.maxLenEvents');
    expect(meta).toBe(String(LANE_EVENTS_MAX_LEN));
    // 300 jobs for baskets that do not exist (each is refused at once), ~4 stream entries each.
    for (let i = 0; i < 300; i++) {
      await h.api.lanes.addTo(lane, {
        mutationId: randomUUID(),
        basketId: randomUUID(),
        ownerId: 'nobody',
        role: 'customer',
        command: { kind: 'delete_basket' },
        idempotencyKey: null,
        requestHash: null,
        enqueuedAt: new Date().toISOString(),
        replyTo: null,
      });
    }
    await eventually(async () => ((await queue.getWaitingCount()) + (await queue.getActiveCount()) === 0 ? true : undefined), 60_000);
    const length = await h.res.redis.xlen(`${queue.qualifiedName}:events`);
    // Trimmed a stream node (100 entries) at a time: between the bound and the bound plus two nodes.
    expect(length).toBeGreaterThanOrEqual(LANE_EVENTS_MAX_LEN);
    expect(length).toBeLessThanOrEqual(LANE_EVENTS_MAX_LEN + 200);
  });
});
