/**
 * Retention: the scheduled sweep deletes mutation-log rows past their retention (never sooner than an
 * Idempotency-Key's ticket lives), deleted baskets and abandoned ones with their lines, in batches;
 * recent rows and baskets still holding units stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { eventually, OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { retentionPolicy } from '../../src/bootstrap/expiry-scheduler.js';
import { loadConfig } from '../../src/config.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness(
    {
      RETENTION_SWEEP_MS: '1000',
      RETENTION_BATCH: '2',
      RETENTION_MUTATION_SECONDS: '86400',
      RETENTION_DELETED_BASKET_SECONDS: '3600',
      RETENTION_ABANDONED_BASKET_SECONDS: '86400',
    },
    { scheduler: true },
  );
  sku = `${h.tag}-ret`;
  await seedProducts(h, [{ sku, price: '1.00' }]);
});
afterAll(async () => h?.close());

const exists = async (table: 'baskets' | 'basket_lines' | 'mutations', column: string, id: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)} = ${id}::uuid`.execute(h.res.db)).rows[0]!.n;

describe('retention sweep', () => {
  it('deletes old mutation rows, deleted and abandoned baskets in batches, and keeps recent ones and held units', async () => {
    const s = new Shopper(h);
    const fresh = await s.createBasket();
    const deleted = await s.createBasket();
    const abandoned = await s.createBasket();
    const holding = await s.createBasket();
    await s.addItems(abandoned, [{ product_id: sku, quantity: 1 }]);
    await s.request('DELETE', `${OCAPI}/baskets/${abandoned}/items/${(await s.get(abandoned)).json().product_items[0].item_id}`);
    await s.addItems(holding, [{ product_id: sku, quantity: 3 }]);
    expect((await s.request('DELETE', `${OCAPI}/baskets/${deleted}`)).statusCode).toBe(204);
    // Age them: two days without a change (past every retention set above).
    const old = sql`now() - interval '2 days'`;
    // What days of idleness leave: the last change, and its day, long ago.
    await sql`update baskets set updated_at = ${old}, active_on = (${old})::date where id in (${deleted}::uuid, ${abandoned}::uuid, ${holding}::uuid)`.execute(
      h.res.db,
    );
    await sql`update mutations set finished_at = ${old} where basket_id in (${deleted}::uuid, ${abandoned}::uuid)`.execute(h.res.db);
    const oldMutations = (
      await sql<{ n: number }>`select count(*)::int as n from mutations where basket_id in (${deleted}::uuid, ${abandoned}::uuid)`.execute(h.res.db)
    ).rows[0]!.n;
    expect(oldMutations).toBeGreaterThan(2); // more than one batch

    await eventually(async () => ((await exists('baskets', 'id', deleted)) + (await exists('baskets', 'id', abandoned)) === 0 ? true : undefined), 30_000, 200);
    await eventually(
      async () => ((await exists('mutations', 'basket_id', deleted)) + (await exists('mutations', 'basket_id', abandoned)) === 0 ? true : undefined),
      30_000,
      200,
    );
    expect(await exists('basket_lines', 'basket_id', abandoned)).toBe(0);
    // Recent, and holding units (left for the expiry sweep to release first).
    expect(await exists('baskets', 'id', fresh)).toBe(1);
    expect(await exists('mutations', 'basket_id', fresh)).toBeGreaterThan(0);
    expect(await exists('baskets', 'id', holding)).toBe(1);
    expect(await exists('mutations', 'basket_id', holding)).toBeGreaterThan(0);
    const stock = (await h.app.inject({ method: 'GET', url: `/admin/stock-lists/default/${sku}`, headers: h.adminHeaders })).json();
    expect(stock.reserved).toBe(3);
  });

  it("keeps a live basket's current record past the log's retention (its document is stored only there), and the older ones go", async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    // The log ages past its retention; the basket is idle but not abandoned.
    await sql`update mutations set finished_at = now() - interval '2 days' where basket_id = ${id}::uuid`.execute(h.res.db);
    const versions = async () =>
      (await sql<{ version: number }>`select version from mutations where basket_id = ${id}::uuid order by version`.execute(h.res.db)).rows.map(
        (r) => r.version,
      );
    await eventually(async () => ((await versions()).length === 1 ? true : undefined), 30_000, 200);
    expect(await versions()).toEqual([3]);
    // The read path's fallback still answers with the current version.
    await h.res.cache.forget(id);
    const read = await s.get(id);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().product_items[0].quantity).toBe(2);
    // Once the basket changes again, the old current record is as old as any other.
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    await sql`update mutations set finished_at = now() - interval '2 days' where basket_id = ${id}::uuid and version = 3`.execute(h.res.db);
    await eventually(async () => ((await versions()).join() === '4' ? true : undefined), 30_000, 200);
  });

  it('never keeps the mutation log for less than an Idempotency-Key ticket lives', () => {
    const config = loadConfig({ RETENTION_MUTATION_SECONDS: '60', IDEMPOTENCY_TTL_SECONDS: '86400' });
    expect(retentionPolicy(config).mutationSeconds).toBe(86_400);
  });
});
