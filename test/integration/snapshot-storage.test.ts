/**
 * A basket's document is stored once per change (the perf-write-snapshot-once migration): the mutation
 * record's `result` holds it, the basket row keeps none, and the read path's fallback (`loadSnapshot`: a
 * cache miss, an idempotent reply) finds it by the basket's version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { loadSnapshot } from '../../src/persistence/basket.repository.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-once`;
  await seedProducts(h, [{ sku, price: '2.50' }]);
});
afterAll(async () => h?.close());

const basketRow = async (id: string) =>
  (await sql<{ version: number; snapshot: string | null }>`select version, snapshot from baskets where id = ${id}::uuid`.execute(h.res.db)).rows[0]!;

describe('the basket document, stored once', () => {
  it('a change keeps no copy in the basket row; its record holds what the reply served, and a cache miss reads it from there', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const added = await s.addItems(id, [{ product_id: sku, quantity: 3 }]);
    expect(added.statusCode, added.body).toBe(200);
    expect(await basketRow(id)).toEqual({ version: 2, snapshot: null });
    const record = (
      await sql<{ result: unknown }>`select result from mutations where basket_id = ${id}::uuid and version = 2 and status = 'applied'`.execute(h.res.db)
    ).rows[0]!;
    expect(await loadSnapshot(h.res.db, id)).toEqual(record.result);
    expect(record.result).toMatchObject({ id, version: 2, pk: expect.any(Number) });

    await h.res.cache.forget(id);
    const read = await s.get(id);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual(added.json());
  });

  it('the fallback reads the record at the basket version, whatever the records finishing times say', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    for (let i = 0; i < 3; i++) expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    // An earlier version's record that looks newest (a worker's clock ahead of the others).
    await sql`update mutations set finished_at = now() + interval '1 day' where basket_id = ${id}::uuid and version = 2`.execute(h.res.db);
    expect(await basketRow(id)).toEqual({ version: 4, snapshot: null });
    expect(await loadSnapshot(h.res.db, id)).toMatchObject({ id, version: 4 });
    await h.res.cache.forget(id);
    const read = await s.get(id);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().product_items[0].quantity).toBe(3);
  });

  it('a basket not written since the change still answers from its own snapshot text', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await s.addItems(id, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200);
    // As a row written before the migration: the text in the basket row, no record to read it from.
    const doc = (await loadSnapshot(h.res.db, id)) as Record<string, unknown>;
    await sql`update baskets set snapshot = ${JSON.stringify(doc)} where id = ${id}::uuid`.execute(h.res.db);
    await sql`delete from mutations where basket_id = ${id}::uuid`.execute(h.res.db);
    expect(await loadSnapshot(h.res.db, id)).toEqual(doc);
    await h.res.cache.forget(id);
    const read = await s.get(id);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().product_items[0].quantity).toBe(2);
    // Its next change clears the row's copy.
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    expect(await basketRow(id)).toEqual({ version: 3, snapshot: null });
    expect(await loadSnapshot(h.res.db, id)).toMatchObject({ version: 3 });
  });

  it('a record keeps its document lz4-compressed (cheaper to write and read than pglz)', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    // Enough lines for a document past the compression threshold (~2 KB).
    const more = `${h.tag}-once-b`;
    await seedProducts(h, [{ sku: more, price: '1.25' }]);
    expect(
      (
        await s.addItems(id, [
          { product_id: sku, quantity: 1 },
          { product_id: more, quantity: 2 },
        ])
      ).statusCode,
    ).toBe(200);
    const { rows } = await sql<{ compression: string | null; chars: number }>`
      select pg_column_compression(result) as compression, length(result::text) as chars
      from mutations where basket_id = ${id}::uuid and version = 2`.execute(h.res.db);
    expect(rows[0]!.chars).toBeGreaterThan(2100);
    expect(rows[0]!.compression).toBe('lz4');
    expect(await loadSnapshot(h.res.db, id)).toMatchObject({ id, version: 2 });
  });

  it('a record keeps even a large basket’s document in its row: no TOAST row written per mutation', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const skus = Array.from({ length: 24 }, (_, i) => `${h.tag}-inline-${i}`);
    await seedProducts(
      h,
      skus.map((sku, i) => ({ sku, price: `${i + 1}.99` })),
    );
    const toastRows = async () => {
      const { rows } = await sql<{ toast: string }>`select reltoastrelid::regclass::text as toast from pg_class where oid = 'mutations'::regclass`.execute(
        h.res.db,
      );
      return Number((await sql<{ n: string }>`select count(*) as n from ${sql.raw(rows[0]!.toast)}`.execute(h.res.db)).rows[0]!.n);
    };
    const before = await toastRows();
    const added = await s.addItems(
      id,
      skus.map((product_id) => ({ product_id, quantity: 1 })),
    );
    expect(added.statusCode, added.body).toBe(200);
    const { rows } = await sql<{ stored: number; compression: string | null }>`
      select pg_column_size(result) as stored, pg_column_compression(result) as compression
      from mutations where basket_id = ${id}::uuid and version = 2`.execute(h.res.db);
    // Compressed past the toaster's 2 KB target: with EXTENDED storage it would have gone out of line.
    expect(rows[0]!.stored).toBeGreaterThan(2100);
    expect(rows[0]!.compression).toBe('lz4');
    expect(await toastRows()).toBe(before);
    expect(await loadSnapshot(h.res.db, id)).toMatchObject({ id, version: 2 });
  });
});
