/**
 * Warm states (src/application/warm-states.ts): a worker applies a basket's next mutation from the state it
 * last wrote, without reading it back. These tests hold it to its contract against the real database: the
 * kept state is what a fresh read returns; a warm mutation is one statement; and whatever moved since the
 * state was kept (another worker's write, a redelivered job, an admin change, other shoppers' stock) is
 * caught by the write's guards and the mutation applied from a fresh read, exactly once, never oversold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { applyMutationJob, type ApplyDeps } from '../../src/application/apply-mutation.js';
import { WarmStates } from '../../src/application/warm-states.js';
import type { MutationJob } from '../../src/contracts/mutation-job.js';
import type { MutationCommand } from '../../src/domain/mutations.js';
import { loadMutationState, type MutationState } from '../../src/persistence/basket.repository.js';
import { upsertPriceList, upsertStockList } from '../../src/persistence/catalog.repository.js';
import { seedProducts, startHarness, type Harness } from '../support/harness.js';
import { createBasketJob, mutationJob } from '../support/mutation-jobs.js';

let h: Harness;
let pen: string;
let ink: string;
beforeAll(async () => {
  h = await startHarness({}, { workers: false });
  pen = `${h.tag}-pen`;
  ink = `${h.tag}-ink`;
  await seedProducts(h, [
    { sku: pen, price: '1.10' },
    { sku: ink, price: '3.25', stock: 50 },
  ]);
});
afterAll(async () => h?.close());

/** The real pool, counting the prepared statements it runs by label (`read_mutation_state`, `write_basket_update`, …). */
function countingPool() {
  const counts = new Map<string, number>();
  const pool = {
    connect: h.res.pool.connect.bind(h.res.pool),
    query: ((config: pg.QueryConfig) => {
      const label = typeof config === 'object' && config.name ? config.name.replace(/_[0-9a-f]{12}$/, '') : 'other';
      counts.set(label, (counts.get(label) ?? 0) + 1);
      return h.res.pool.query(config);
    }) as pg.Pool['query'],
  };
  return { pool, counts };
}

function worker(warm = new WarmStates(100)) {
  const { pool, counts } = countingPool();
  const deps: ApplyDeps = {
    db: h.res.db,
    pool,
    limits: { maxLineQuantity: 999, maxLines: 50, custom: { maxCount: 50, maxBytes: 8192 } },
    reservationTtlSeconds: 600,
    now: () => new Date(),
    warm,
  };
  return { deps, warm, counts };
}

const job = mutationJob;
const create = (id: string) => createBasketJob(id);
const add = (id: string, sku: string, quantity = 1) => job(id, { kind: 'add_items', items: [{ sku, quantity }] });

/** What a state says about the basket, in comparable form (money as text, times as ms). */
function comparable(s: MutationState) {
  const b = s.basket!;
  return {
    pk: s.pk,
    referenceVersion: s.referenceVersion,
    basket: {
      ...b,
      createdAt: b.createdAt.getTime(),
      updatedAt: b.updatedAt.getTime(),
      lines: b.lines.map((l) => ({ ...l, addedUnitPrice: l.addedUnitPrice?.toString() ?? null })),
      adjustments: b.adjustments.map((a) => ({ ...a, value: a.value.toString() })),
    },
    holdings: [...s.stock].flatMap(([list, views]) =>
      [...views.values()]
        .filter((v) => v.ours > 0 || v.oursExpiresAt !== null)
        .map((v) => ({ list, sku: v.sku, ours: v.ours, until: v.oursExpiresAt?.getTime() ?? null })),
    ),
  };
}

const fresh = (id: string, skus: string[]) =>
  loadMutationState(h.res.pool, { basketId: id, mutationId: randomUUID(), createSiteId: null, skus, now: new Date() });

describe('the state a worker keeps after a write', () => {
  it('is what a fresh read returns: the basket, its lines and pk, its holdings and their expiry', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    const commands: MutationCommand[] = [
      { kind: 'add_items', items: [{ sku: pen, quantity: 2 }] },
      { kind: 'add_items', items: [{ sku: ink, quantity: 3 }] },
      { kind: 'update_basket', custom: { c_note: 'gift', c_n: 2 }, expectedVersion: null },
      { kind: 'add_items', items: [{ sku: pen, quantity: 1 }] },
    ];
    for (const command of commands) {
      const r = await applyMutationJob(w.deps, job(id, command));
      expect(r.outcome).toMatchObject({ status: 'applied' });
      const kept = w.warm.take(id)!;
      expect(kept).toBeDefined();
      expect(comparable(kept)).toEqual(comparable(await fresh(id, [pen, ink])));
      w.warm.keep(id, kept);
    }
    // Lines changed and removed: the next states still match.
    const lines = w.warm.take(id)!.basket!.lines;
    w.warm.keep(id, (await fresh(id, [pen, ink])) as MutationState);
    for (const command of [
      { kind: 'set_item_quantity', itemId: lines[0]!.itemId, quantity: 5 },
      { kind: 'remove_item', itemId: lines[1]!.itemId },
      { kind: 'empty_basket' },
    ] as MutationCommand[]) {
      const r = await applyMutationJob(w.deps, job(id, command));
      expect(r.outcome).toMatchObject({ status: 'applied' });
      const kept = w.warm.take(id)!;
      expect(comparable(kept)).toEqual(comparable(await fresh(id, [pen, ink])));
      w.warm.keep(id, kept);
    }
  });
});

describe('a mutation applied from the kept state', () => {
  it('runs one statement (the write), and its outcome is the one a fresh read gives', async () => {
    const w = worker();
    const cold = worker(new WarmStates(0));
    const [a, b] = [randomUUID(), randomUUID()];
    for (const x of [w, cold]) await applyMutationJob(x.deps, create(x === w ? a : b));
    for (const x of [w, cold]) await applyMutationJob(x.deps, add(x === w ? a : b, pen, 2));
    // The worker learns the catalogue from its reads: one of ink, for another basket.
    const other = randomUUID();
    await applyMutationJob(w.deps, create(other));
    await applyMutationJob(w.deps, add(other, ink));
    w.counts.clear();
    const warmAdd = await applyMutationJob(w.deps, add(a, ink, 1));
    const coldAdd = await applyMutationJob(cold.deps, add(b, ink, 1));
    expect(Object.fromEntries(w.counts)).toEqual({ write_basket_update: 1 });
    expect(w.warm.hits).toBe(1);
    expect(cold.warm.hits).toBe(0);
    // The same document but for the basket's own ids and times (line item ids, in order, become item-N).
    const strip = (o: typeof warmAdd.outcome) => {
      if (o.status !== 'applied') throw new Error(o.status);
      const { id: _id, pk: _pk, createdAt: _c, updatedAt: _u, ...rest } = o.snapshot as unknown as Record<string, unknown> & { lines: { itemId: string }[] };
      let text = JSON.stringify(rest);
      rest.lines.forEach((l, i) => (text = text.replaceAll(l.itemId, `item-${i}`)));
      return JSON.parse(text) as unknown;
    };
    expect(strip(warmAdd.outcome)).toEqual(strip(coldAdd.outcome));
    const [ra, rb] = await Promise.all([a, b].map((id) => h.res.db.selectFrom('reservations').select(['sku', 'quantity']).where('basket_id', '=', id).orderBy('sku').execute()));
    expect(ra).toEqual(rb);
  });

  it('a SKU the basket never had is taken from what the worker read for other baskets', async () => {
    const w = worker();
    const [a, b] = [randomUUID(), randomUUID()];
    await applyMutationJob(w.deps, create(a));
    await applyMutationJob(w.deps, create(b));
    await applyMutationJob(w.deps, add(a, ink)); // a fresh read of basket a: ink is known worker-wide now
    await applyMutationJob(w.deps, add(b, pen)); // basket b: a fresh read (its first change)
    w.counts.clear();
    await applyMutationJob(w.deps, add(b, ink));
    expect(Object.fromEntries(w.counts)).toEqual({ write_basket_update: 1 });
    const held = await h.res.db.selectFrom('reservations').select(['sku', 'quantity']).where('basket_id', '=', b).orderBy('sku').execute();
    expect(held).toEqual([pen, ink].sort().map((sku) => ({ sku, quantity: 1 })));
  });
});

describe('when something moved since the state was kept', () => {
  it('another worker wrote the basket: the write is refused and re-applied from a fresh read; every mutation once, versions contiguous', async () => {
    const one = worker();
    const two = worker();
    const id = randomUUID();
    await applyMutationJob(one.deps, create(id));
    // The lane may hand a basket's mutations to any worker process: alternate between two, each with its own states.
    for (let i = 0; i < 10; i++) {
      const r = await applyMutationJob((i % 3 === 0 ? two : one).deps, add(id, pen));
      expect(r.outcome).toMatchObject({ status: 'applied', version: i + 2 });
    }
    expect(one.warm.misses + two.warm.misses).toBeGreaterThan(0);
    const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(10);
    const held = await h.res.db.selectFrom('reservations').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(held.quantity).toBe(10);
    const versions = await h.res.db.selectFrom('mutations').select('version').where('basket_id', '=', id).where('status', '=', 'applied').orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });

  it('the job was applied already (a redelivery): the record’s key refuses the warm write; answered as a duplicate, nothing applied twice', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, add(id, pen));
    const again = add(id, pen);
    const first = await applyMutationJob(w.deps, again);
    expect(first).toMatchObject({ duplicate: false, outcome: { status: 'applied', version: 3 } });
    // The state kept by that write is at version 3, as the database is: only the record's key can refuse it.
    expect(w.warm.take(id)?.basket?.version).toBe(3);
    w.warm.keep(id, (await fresh(id, [pen]))!);
    const second = await applyMutationJob(w.deps, again);
    expect(second).toMatchObject({ duplicate: true, outcome: { status: 'applied', version: 3 } });
    expect(w.warm.misses).toBe(1);
    const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(2);
    const held = await h.res.db.selectFrom('reservations').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(held.quantity).toBe(2);
  });

  it('an admin changed a price: the next mutation is priced by the new price', async () => {
    const sku = `${h.tag}-repriced`;
    await seedProducts(h, [{ sku, price: '10.00' }]);
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, add(id, sku));
    await upsertPriceList(h.res.db, 'default', 'USD', [{ sku, price: '12.00', retail_price: null }]);
    const r = await applyMutationJob(w.deps, add(id, sku));
    expect(r.outcome).toMatchObject({ status: 'applied', snapshot: { totals: { productSubTotal: '24.00' } } });
    expect(w.warm.misses).toBe(1);
    const row = await h.res.db.selectFrom('baskets').select('product_sub_total').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.product_sub_total).toBe('24.00');
  });

  it('any reference data moved on (here: another SKU began to be tracked): the write is refused as stale and re-applied from a fresh read, once', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, add(id, pen));
    await upsertStockList(h.res.db, 'default', [{ sku: `${h.tag}-newly-tracked`, quantity: 10 }]);
    w.counts.clear();
    const r = await applyMutationJob(w.deps, add(id, pen));
    expect(r.outcome).toMatchObject({ status: 'applied', version: 3 });
    expect(w.warm.misses).toBe(1);
    // The refused write, then the read and the write again.
    expect(Object.fromEntries(w.counts)).toEqual({ write_basket_update: 2, read_mutation_state: 1 });
    const held = await h.res.db.selectFrom('reservations').select('quantity').where('basket_id', '=', id).where('sku', '=', pen).executeTakeFirstOrThrow();
    expect(held.quantity).toBe(2);
  });

  it('other shoppers took the last units: the add is refused from a fresh read, never oversold', async () => {
    const sku = `${h.tag}-scarce`;
    await seedProducts(h, [{ sku, price: '2.00', stock: 5 }]);
    const w = worker();
    const [mine, theirs] = [randomUUID(), randomUUID()];
    await applyMutationJob(w.deps, create(mine));
    await applyMutationJob(w.deps, add(mine, sku, 2)); // kept: 2 of 5 reserved
    const other = worker();
    await applyMutationJob(other.deps, create(theirs));
    await applyMutationJob(other.deps, add(theirs, sku, 3)); // 5 of 5 reserved now, unknown to w
    const r = await applyMutationJob(w.deps, add(mine, sku, 1));
    expect(r.outcome).toMatchObject({ status: 'rejected', error: { code: 'product_item_not_available' } });
    expect(w.warm.misses).toBe(1);
    const stock = await h.res.db.selectFrom('stocks').select(['on_hand', 'reserved']).where('sku', '=', sku).executeTakeFirstOrThrow();
    expect(stock).toEqual({ on_hand: 5, reserved: 5 });
    const held = await h.res.db.selectFrom('reservations').select('quantity').where('basket_id', '=', mine).executeTakeFirstOrThrow();
    expect(held.quantity).toBe(2);
  });

  it('a refusal is never written from a kept state: it is decided again from a fresh read', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, add(id, pen));
    w.counts.clear();
    const r = await applyMutationJob(w.deps, add(id, pen, 5000));
    expect(r.outcome).toMatchObject({ status: 'rejected' });
    expect(w.warm.misses).toBe(1);
    expect(w.counts.get('read_mutation_state')).toBe(1);
  });
});

describe('the reference version', () => {
  const version = async () => Number((await sql<{ v: string }>`select version as v from reference_version`.execute(h.res.db)).rows[0]!.v);

  it('moves with every statement that changes reference data, and not with the mutations’ own stock moves', async () => {
    const sku = `${h.tag}-ref`;
    const changes: [string, () => Promise<unknown>][] = [
      ['products', () => sql`insert into products (sku, name, tax_rate) values (${sku}, 'Ref', 0.2)`.execute(h.res.db)],
      ['prices', () => upsertPriceList(h.res.db, 'default', 'USD', [{ sku, price: '1.00', retail_price: null }])],
      ['stocks (a SKU tracked)', () => upsertStockList(h.res.db, 'default', [{ sku, quantity: 3 }])],
      ['stocks (on-hand changed in place)', () => sql`update stocks set on_hand = on_hand - 1 where sku = ${sku}`.execute(h.res.db)],
      ['stocks (a SKU no longer tracked)', () => sql`delete from stocks where sku = ${sku}`.execute(h.res.db)],
      ['sites', () => sql`update sites set rounding_mode = rounding_mode where id = 'default'`.execute(h.res.db)],
      ['shipping_methods', () => sql`update shipping_methods set name = name where site_id = 'default'`.execute(h.res.db)],
      ['payment_methods', () => sql`update payment_methods set name = name where site_id = 'default'`.execute(h.res.db)],
      ['promotions', () => sql`update promotions set name = name where false`.execute(h.res.db)],
      ['price_lists', () => sql`update price_lists set currency = currency where false`.execute(h.res.db)],
      ['stock_lists', () => sql`update stock_lists set code = code where false`.execute(h.res.db)],
    ];
    for (const [table, change] of changes) {
      const before = await version();
      await change();
      expect({ table, moved: (await version()) > before }).toEqual({ table, moved: true });
    }
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    const before = await version();
    await applyMutationJob(w.deps, add(id, pen, 2));
    await applyMutationJob(w.deps, add(id, pen, 1));
    expect(await version()).toBe(before);
  });
});

describe('JSON documents in the kept state', () => {
  // PostgreSQL's jsonb gives an object's keys back in its own order (shorter first, then by bytes), not in
  // the order they were written: a fresh read sees that order, so the kept state must too.
  const custom = { c_zeta: 1, c_a: { y: 1, x: 2 }, 'c_é': 3, c_ab: 4 };
  const options = { size: { w: 1, l: 2 } };

  it('keeps custom properties and line options in the order a fresh read gives them back', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, job(id, { kind: 'update_basket', custom, expectedVersion: null }));
    await applyMutationJob(w.deps, job(id, { kind: 'add_items', items: [{ sku: pen, quantity: 1, attributes: options, custom }] }));
    const kept = w.warm.take(id)!;
    const read = await fresh(id, [pen]);
    const docs = (s: MutationState) => JSON.stringify({ custom: s.basket!.custom, lines: s.basket!.lines.map((l) => [l.attributes, l.custom]) });
    expect(docs(kept)).toBe(docs(read));
  });

  it('the same options twice: the warm worker does what a fresh read does (lines, and the reply’s text)', async () => {
    const w = worker();
    const cold = worker(new WarmStates(0));
    const [a, b] = [randomUUID(), randomUUID()];
    const replies = new Map<typeof w, string[]>();
    for (const [x, id] of [[w, a], [cold, b]] as const) {
      await applyMutationJob(x.deps, create(id));
      await applyMutationJob(x.deps, job(id, { kind: 'update_basket', custom, expectedVersion: null }));
      await applyMutationJob(x.deps, job(id, { kind: 'add_items', items: [{ sku: pen, quantity: 1, attributes: options }] }));
      const second = await applyMutationJob(x.deps, job(id, { kind: 'add_items', items: [{ sku: pen, quantity: 1, attributes: options }] }));
      if (second.outcome.status !== 'applied') throw new Error(second.outcome.status);
      const snapshot = second.outcome.snapshot as unknown as { custom: unknown; lines: { quantity: number; attributes?: unknown }[] };
      replies.set(x, [JSON.stringify(snapshot.custom), JSON.stringify(snapshot.lines.map((l) => [l.quantity, l.attributes]))]);
    }
    expect(w.warm.hits).toBeGreaterThan(0);
    expect(replies.get(w)).toEqual(replies.get(cold));
    const lines = await Promise.all([a, b].map((id) => h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).orderBy('position').execute()));
    expect(lines[0]).toEqual(lines[1]);
  });
});

describe('a kept state whose basket or write went away', () => {
  it('the basket was deleted (retention) while its state was kept: nothing is written, refused as a fresh read refuses', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, job(id, { kind: 'update_basket', custom: { c_a: 1 }, expectedVersion: null }));
    expect(w.warm.size).toBeGreaterThan(0);
    await h.res.db.deleteFrom('baskets').where('id', '=', id).execute();
    const r = await applyMutationJob(w.deps, job(id, { kind: 'update_basket', custom: { c_a: 2 }, expectedVersion: null }));
    expect(r.outcome).toMatchObject({ status: 'rejected', error: { code: 'basket_not_found' } });
    expect(w.warm.misses).toBe(1);
    expect(await h.res.db.selectFrom('baskets').select('id').where('id', '=', id).execute()).toEqual([]);
  });

  it('a transient error after the warm write committed: the state is not kept, the retry answers as a duplicate, nothing twice', async () => {
    const w = worker();
    const id = randomUUID();
    await applyMutationJob(w.deps, create(id));
    await applyMutationJob(w.deps, add(id, pen));
    let fail = true;
    const query = w.deps.pool.query;
    const pool = {
      ...w.deps.pool,
      query: (async (config: pg.QueryConfig) => {
        const result = await (query as (c: pg.QueryConfig) => Promise<unknown>)(config);
        if (fail && config.name?.startsWith('write_basket_update')) {
          fail = false;
          throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        }
        return result;
      }) as pg.Pool['query'],
    };
    const deps = { ...w.deps, pool };
    const again = add(id, pen);
    await expect(applyMutationJob(deps, again)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(w.warm.size).toBe(0);
    const retry = await applyMutationJob(deps, again);
    expect(retry).toMatchObject({ duplicate: true, outcome: { status: 'applied', version: 3 } });
    const next = await applyMutationJob(deps, add(id, pen));
    expect(next.outcome).toMatchObject({ status: 'applied', version: 4 });
    const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(3);
    const held = await h.res.db.selectFrom('reservations').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(held.quantity).toBe(3);
  });
});

describe('a merge by another worker while both baskets’ states are kept', () => {
  it('the guest’s and the destination’s next mutations are refused warm and applied from a fresh read; units held once', async () => {
    const w = worker();
    const other = worker();
    const [guest, mine] = [randomUUID(), randomUUID()];
    const as = (owner: string, j: MutationJob): MutationJob => ({ ...j, ownerId: owner });
    await applyMutationJob(w.deps, as('guest-1', create(guest)));
    await applyMutationJob(w.deps, as('guest-1', add(guest, ink, 2)));
    await applyMutationJob(w.deps, create(mine));
    await applyMutationJob(w.deps, add(mine, pen, 1));
    expect(w.warm.size).toBe(2);
    const merged = await applyMutationJob(other.deps, job(mine, { kind: 'merge_basket', sourceBasketId: guest, sourceOwnerId: 'guest-1', mode: 'sum_quantities' }));
    expect(merged.outcome).toMatchObject({ status: 'applied' });
    // The destination: its kept state (one pen, no ink) is a version behind.
    const r = await applyMutationJob(w.deps, add(mine, ink, 1));
    expect(r.outcome).toMatchObject({ status: 'applied' });
    // The guest: deleted by the merge, its units moved.
    const g = await applyMutationJob(w.deps, as('guest-1', add(guest, ink, 1)));
    expect(g.outcome.status).not.toBe('applied');
    expect(w.warm.hits).toBe(0);
    expect(w.warm.misses).toBe(2);
    const held = await h.res.db.selectFrom('reservations').select(['basket_id', 'sku', 'quantity']).where('basket_id', 'in', [guest, mine]).orderBy('sku').execute();
    expect(held).toEqual([{ basket_id: mine, sku: ink, quantity: 3 }, { basket_id: mine, sku: pen, quantity: 1 }].sort((a, b) => (a.sku < b.sku ? -1 : 1)));
  });
});

describe('the site policy in the kept state', () => {
  it('is the basket’s currency after a create in another currency than the site’s, as a fresh read has it', async () => {
    const w = worker();
    const id = randomUUID();
    const r = await applyMutationJob(w.deps, job(id, { kind: 'create_basket', siteId: 'default', currency: 'EUR', agentBasket: false, custom: {} }));
    expect(r.outcome).toMatchObject({ status: 'applied' });
    const kept = w.warm.take(id)!;
    const read = await fresh(id, []);
    expect(read.site?.currency).toBe('EUR');
    expect(kept.site).toEqual(read.site);
  });
});

describe('the whole kept state', () => {
  /** Everything a state says, as text in its own key order (maps as sorted entries, money as text, times as ms). */
  function whole(s: MutationState): string {
    const plain = (v: unknown): unknown => {
      if (v instanceof Map) return [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)).map(([k, x]) => [k, plain(x)]);
      if (v instanceof Date) return v.getTime();
      if (Array.isArray(v)) return v.map(plain);
      if (v !== null && typeof v === 'object') {
        if (Object.getPrototypeOf(v) !== Object.prototype) return String(v); // Money
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
      }
      return v;
    };
    const { recorded: _r, ...rest } = s;
    return JSON.stringify(plain(rest));
  }

  it('after each of a run of varied mutations, is a fresh read of the same SKUs, text for text', async () => {
    const w = worker();
    const id = randomUUID();
    const agent = (j: MutationJob): MutationJob => ({ ...j, role: 'agent' });
    await applyMutationJob(w.deps, create(id));
    const itemOf = async (n: number) => (await fresh(id, [])).basket!.lines[n]!.itemId;
    const adjustment: MutationCommand = {
      kind: 'add_price_adjustment',
      level: 'order',
      itemId: null,
      type: 'amount',
      value: '1.50',
      reasonCode: null,
      itemText: null,
      custom: { c_why: 'x', c_a: 1 },
    };
    const steps: (() => Promise<MutationJob>)[] = [
      async () => add(id, pen, 2),
      async () => job(id, { kind: 'add_items', items: [{ sku: ink, quantity: 3, attributes: { z: { b: 1, a: [{ y: 1, x: 2 }] } }, custom: { c_zz: 1, c_a: 2 } }] }),
      async () => job(id, { kind: 'set_customer', email: 'a@example.com' }),
      async () => job(id, { kind: 'set_shipping_address', shipmentId: 'me', address: { last_name: 'L', first_name: 'F', city: 'C', country_code: 'US' } }),
      async () => agent(job(id, adjustment)),
      async () => job(id, { kind: 'update_basket', custom: { c_zeta: { q: 1, p: 2 }, c_b: 1 }, expectedVersion: null }),
      async () => job(id, { kind: 'set_item_quantity', itemId: await itemOf(0), quantity: 4 }),
      async () => job(id, { kind: 'remove_item', itemId: await itemOf(0) }),
    ];
    for (const step of steps) {
      const j = await step();
      const r = await applyMutationJob(w.deps, j);
      expect({ kind: j.command.kind, outcome: r.outcome.status }).toEqual({ kind: j.command.kind, outcome: 'applied' });
      const kept = w.warm.take(id)!;
      const skus = [...kept.catalog.keys()];
      const read = await loadMutationState(h.res.pool, { basketId: id, mutationId: randomUUID(), createSiteId: null, skus, now: new Date() });
      expect({ kind: j.command.kind, state: whole(kept) }).toEqual({ kind: j.command.kind, state: whole(read) });
      w.warm.keep(id, kept);
    }
    expect(w.warm.hits).toBeGreaterThan(3);
  });
});
