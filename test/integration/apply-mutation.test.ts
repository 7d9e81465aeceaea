/**
 * The apply use case without the lane in front: what protects a basket when BullMQ redelivers a stalled
 * job while its first run is still going, or when two runs race for any other reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { pino } from 'pino';
import { applyMutationJob } from '../../src/application/apply-mutation.js';
import { processMutation } from '../../src/application/process-mutation.js';
import { CONTRACT_FORMAT, type MutationJob } from '../../src/contracts/mutation-job.js';
import type { MutationCommand } from '../../src/domain/mutations.js';
import { loadMutationState } from '../../src/persistence/basket.repository.js';
import { seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness({}, { workers: false });
  sku = `${h.tag}-pen`;
  await seedProducts(h, [{ sku, price: '1.10' }]);
});
afterAll(async () => h?.close());

const deps = () => ({ db: h.res.db, pool: h.res.pool, limits: { maxLineQuantity: 999, maxLines: 50 }, reservationTtlSeconds: 600, now: () => new Date() });
const job = (basketId: string, command: MutationCommand, ownerId = 'owner-1', mutationId = randomUUID()): MutationJob => ({
  mutationId, basketId, ownerId, role: 'customer', command, idempotencyKey: null, requestHash: null, enqueuedAt: new Date().toISOString(), replyTo: null,
});
const create = (id: string) => job(id, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} });
const add = (id: string) => job(id, { kind: 'add_items', items: [{ sku, quantity: 1 }] });

describe('the state read', () => {
  // One json document per read (read-mutation-state.ts): timestamps arrive as ISO text, numbers as JSON numbers.
  it('maps a stored basket exactly: timestamps to the millisecond, truncated as the driver did; JSON columns, prices and the site as stored', async () => {
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    await sql`update baskets set created_at = '2026-01-02 03:04:05.678999+00', custom = '{"c_note": "x", "c_n": 1.5}'::jsonb where id = ${id}`.execute(h.res.db);
    const state = await loadMutationState(h.res.pool, { basketId: id, mutationId: randomUUID(), createSiteId: null, skus: [sku], now: new Date() });
    expect(state.basket?.createdAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(state.basket?.custom).toEqual({ c_note: 'x', c_n: 1.5 });
    expect(state.basket?.version).toBe(1);
    expect(typeof state.pk).toBe('number');
    expect(state.catalog.get(sku)?.price?.toFixed(2)).toBe('1.10');
    expect(state.site?.siteId).toBe('default');
    expect(state.recorded).toBeNull();
    const added = await applyMutationJob(deps(), add(id));
    expect(added.outcome).toMatchObject({ status: 'applied', snapshot: { createdAt: '2026-01-02T03:04:05.678Z', custom: { c_note: 'x', c_n: 1.5 }, pk: state.pk } });
  });
});

describe('when the same mutation runs twice at once', () => {
  it('applies it once; the other run answers as a duplicate', async () => {
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    const j = add(id);
    const processDeps = { ...deps(), cache: h.res.cache, publisher: h.res.publisher, logger: pino({ level: 'silent' }), retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 } };
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => processMutation(processDeps, j)));
    expect(outcomes.every((o) => o.status === 'applied' && o.version === 2)).toBe(true);
    const row = await h.res.db.selectFrom('baskets').select('version').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(2);
    const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(1);
  });

  it('a replay after the fact changes nothing and returns the recorded outcome', async () => {
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    const j = add(id);
    const first = await applyMutationJob(deps(), j);
    const again = await applyMutationJob(deps(), j);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.outcome).toMatchObject({ status: 'applied', version: 2 });
  });

  it('a duplicate create does not create twice', async () => {
    const id = randomUUID();
    const j = create(id);
    const [a, b] = await Promise.allSettled([applyMutationJob(deps(), j), applyMutationJob(deps(), j)]);
    const ok = [a, b].filter((r) => r.status === 'fulfilled');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const rows = await h.res.db.selectFrom('baskets').select('version').where('id', '=', id).execute();
    expect(rows).toEqual([{ version: 1 }]);
  });
});

describe('when different mutations of one basket race outside the lane', () => {
  it('the version guard serializes them: every one applied once, versions contiguous', async () => {
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    const processDeps = { ...deps(), cache: h.res.cache, publisher: h.res.publisher, logger: pino({ level: 'silent' }), retry: { attempts: 50, baseDelayMs: 1, maxDelayMs: 20 } };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => processMutation(processDeps, add(id))));
    expect(outcomes.map((o) => o.version).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(20);
    const totals = await h.res.db.selectFrom('baskets').select(['product_total', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    // 20 × 1.10 = 22.00
    expect(totals).toEqual({ product_total: '22.00', version: 21 });
  });
});

describe('a customer reaching for a basket it does not own inside the worker', () => {
  it('is rejected as not found and leaves the basket alone', async () => {
    const s = new Shopper(h);
    const id = randomUUID();
    await applyMutationJob(deps(), job(id, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }, s.sub));
    const r = await applyMutationJob(deps(), job(id, { kind: 'add_items', items: [{ sku, quantity: 1 }] }, 'someone-else'));
    expect(r.outcome).toMatchObject({ status: 'rejected', error: { code: 'basket_not_found' } });
  });
});

describe('a job of a newer contract format than this worker knows', () => {
  it('is recorded as failed and changes nothing; a job without a format is read as format 1', async () => {
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    const processDeps = { ...deps(), cache: h.res.cache, publisher: h.res.publisher, logger: pino({ level: 'silent' }), retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 5 } };
    const future = { ...add(id), format: CONTRACT_FORMAT + 1 };
    await expect(processMutation(processDeps, future)).rejects.toThrow(/not applied/);
    const record = await h.res.db.selectFrom('mutations').select('status').where('id', '=', future.mutationId).executeTakeFirstOrThrow();
    expect(record.status).toBe('failed');
    const row = await h.res.db.selectFrom('baskets').select('version').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(1);
    const legacy = add(id);
    expect(legacy.format).toBeUndefined();
    await expect(processMutation(processDeps, legacy)).resolves.toMatchObject({ status: 'applied', version: 2 });
  });
});

describe('when the stock a plan was made from is gone by the time it is written', () => {
  it('the write fails as a whole (BR001, read as a concurrent modification), and the retry re-reads and refuses', async () => {
    const scarce = `${h.tag}-scarce`;
    await seedProducts(h, [{ sku: scarce, price: '2.00', stock: 5 }]);
    const id = randomUUID();
    await applyMutationJob(deps(), create(id));
    const stock = async () =>
      h.res.db.selectFrom('stocks').select(['on_hand', 'reserved']).where('sku', '=', scarce).where('stock_list', '=', 'default').executeTakeFirstOrThrow();
    // Between this mutation's read and its write, every free unit goes (an admin lowers on-hand to what is held).
    let raced = 0;
    const pool = {
      connect: h.res.pool.connect.bind(h.res.pool),
      query: (async (config: { name?: string }, values?: unknown[]) => {
        if (typeof config === 'object' && config.name?.startsWith('write_basket_update') && raced++ === 0)
          await h.res.pool.query(`update stocks set on_hand = reserved where sku = $1 and stock_list = 'default'`, [scarce]);
        return h.res.pool.query(config as never, values as never);
      }) as typeof h.res.pool.query,
    };
    const before = await stock();
    const j = job(id, { kind: 'add_items', items: [{ sku: scarce, quantity: 2 }] });
    await expect(applyMutationJob({ ...deps(), pool }, j)).rejects.toMatchObject({ code: 'concurrent_modification' });
    // Nothing of the write stayed: no record, no version, no holding, the stock's reserved count as it was.
    expect(await h.res.db.selectFrom('mutations').select('id').where('id', '=', j.mutationId).executeTakeFirst()).toBeUndefined();
    expect((await h.res.db.selectFrom('baskets').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version).toBe(1);
    expect(await h.res.db.selectFrom('reservations').select('sku').where('basket_id', '=', id).execute()).toEqual([]);
    expect((await stock()).reserved).toBe(before.reserved);
    // The lane's retry reads the new stock and refuses the add.
    const again = await applyMutationJob({ ...deps(), pool }, j);
    expect(again.outcome).toMatchObject({ status: 'rejected', error: { code: 'product_item_not_available' } });
  });
});
