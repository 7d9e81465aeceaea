/**
 * The hot path's work must not grow with other baskets' holdings. With the pools' settings (generic
 * plans, prepared statements) and a `reservations` table where 2,000 other baskets hold the same SKUs,
 * one basket's mutation — the state read and `basket_apply_reservations` — may neither scan the table
 * nor walk the other holders of a SKU: counted by PostgreSQL itself for the transaction
 * (`pg_stat_xact_user_tables`). A regressed plan (a full join pulled up into a sequential scan, a
 * per-SKU lookup through the (stock list, SKU) index) reads thousands of rows here and fails.
 *
 * Also pins what the holdings check means: the plan must list every holding, each with the quantity held.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { testDatabaseUrl } from '../support/test-database.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { runStatement } from '../../src/persistence/statement.js';
import { readMutationState } from '../../src/persistence/statements/read-mutation-state.js';

const SKUS = ['PLAN-A', 'PLAN-B', 'PLAN-C', 'PLAN-D', 'PLAN-E'];
const OTHERS = 2000;
/** Every holding's expiry, and the one every call names. */
const EXPIRY = new Date('2099-01-01T00:00:00Z');

let seed: DatabaseHandle;
const basket = randomUUID();

beforeAll(async () => {
  seed = openDatabase(testDatabaseUrl(), 1);
  const q = (text: string, values: unknown[] = []) => seed.pool.query(text, values);
  await q(`insert into price_lists (code, currency) values ('plans', 'USD')`);
  await q(`insert into stock_lists (code) values ('plans')`);
  await q(`insert into sites (id, currency, price_list, stock_list) values ('plans', 'USD', 'plans', 'plans')`);
  await q(`insert into stocks (stock_list, sku, on_hand, reserved) select 'plans', s, 1000000, 0 from unnest($1::text[]) s`, [SKUS]);
  // A catalogue of 5,000 products, priced and stocked, besides the five the basket uses.
  await q(`insert into products (sku, name, tax_rate) select s, s, 0.1 from unnest($1::text[]) s`, [SKUS]);
  await q(`insert into products (sku, name, tax_rate) select 'CAT-' || i, 'Catalogue ' || i, 0.1 from generate_series(1, 5000) i`);
  await q(`insert into prices (price_list, sku, price) select 'plans', sku, 9.99 from products`);
  await q(`insert into stocks (stock_list, sku, on_hand) select 'plans', 'CAT-' || i, 10 from generate_series(1, 5000) i`);
  // Our basket holding three SKUs, then 2,000 other baskets holding every SKU (so our holdings sit on a full
  // page), all until the same fixed expiry, the one every call below names (so no call changes an expiry).
  await q(
    `insert into baskets (id, owner_id, site_id, currency, status, version, created_at, updated_at) values ($1, 'me', 'plans', 'USD', 'active', 1, now(), now())`,
    [basket],
  );
  await q(`insert into reservations (basket_id, stock_list, sku, quantity, expires_at) select $1, 'plans', s, 2, $3 from unnest($2::text[]) s`, [
    basket,
    SKUS.slice(0, 3),
    EXPIRY,
  ]);
  await q(
    `insert into baskets (id, owner_id, site_id, currency, status, version, created_at, updated_at)
     select gen_random_uuid(), 'other', 'plans', 'USD', 'active', 1, now(), now() from generate_series(1, $1)`,
    [OTHERS],
  );
  await q(
    `insert into reservations (basket_id, stock_list, sku, quantity, expires_at)
     select b.id, 'plans', s, 1, $2 from baskets b, unnest($1::text[]) s where b.site_id = 'plans' and b.id <> $3`,
    [SKUS, EXPIRY, basket],
  );
  await q(
    `insert into basket_lines (basket_id, item_id, sku, quantity, position)
     select b.id, s, s, 1, 0 from baskets b, unnest($1::text[]) s where b.site_id = 'plans' and b.id <> $2`,
    [SKUS, basket],
  );
  await q(`insert into basket_lines (basket_id, item_id, sku, quantity, position) select $1, s, s, 2, 0 from unnest($2::text[]) s`, [basket, SKUS.slice(0, 3)]);
  await q(`update stocks set reserved = ${OTHERS} + case when sku = any($1::text[]) then 2 else 0 end`, [SKUS.slice(0, 3)]);
});

afterAll(async () => {
  await seed.pool.end();
});

interface TableReads {
  /** Sequential scans and the rows they read. */
  seq: number;
  seqRows: number;
  /** Rows fetched through indexes. */
  indexRows: number;
  /** Rows updated, and of them HOT (the new version on the same page, no index entry, pruned without a vacuum). */
  updates: number;
  hot: number;
}

/** Runs `work` in a transaction on a fresh pool connection (fresh plan cache) and returns what it read of each table. */
async function tableReads(work: (client: pg.PoolClient) => Promise<void>): Promise<Record<string, TableReads>> {
  const handle = openDatabase(testDatabaseUrl(), 1);
  const client = await handle.pool.connect();
  try {
    await client.query('begin');
    await work(client);
    const { rows } = await client.query<{ relname: string; seq: string; seq_rows: string; index_rows: string; updates: string; hot: string }>(
      `select relname, seq_scan as seq, seq_tup_read as seq_rows, coalesce(idx_tup_fetch, 0) as index_rows, n_tup_upd as updates, n_tup_hot_upd as hot
       from pg_stat_xact_user_tables`,
    );
    await client.query('rollback');
    return Object.fromEntries(
      rows.map((r) => [
        r.relname,
        { seq: Number(r.seq), seqRows: Number(r.seq_rows), indexRows: Number(r.index_rows), updates: Number(r.updates), hot: Number(r.hot) },
      ]),
    );
  } finally {
    client.release();
    await handle.pool.end();
  }
}

const apply = (client: pg.PoolClient, plan: object[], version = 1) =>
  client
    .query<{ r: string }>(`select basket_apply_reservations($1, $2, 'plans', $3::jsonb, $4, now()) as r`, [basket, version, JSON.stringify(plan), EXPIRY])
    .then((res) => res.rows[0]!.r);

const asHeld = SKUS.slice(0, 3).map((sku) => ({ sku, have: 2, target: 2 }));

describe('hot-path plans over a large reservations table', () => {
  it('basket_apply_reservations reads only the basket’s own holdings', async () => {
    let outcome = '';
    const tables = await tableReads(async (client) => {
      // Several calls: the generic plan is the one every later call runs.
      for (let i = 0; i < 6; i++) outcome = await apply(client, [...asHeld.slice(0, 2), { sku: 'PLAN-C', have: 2, target: 2 }]);
    });
    expect(outcome).toBe('ok');
    const reads = tables.reservations!;
    expect(reads.seq).toBe(0);
    expect(reads.seqRows).toBe(0);
    // Locking, checking and extending 3 holdings, 6 times: a few hundred index entries at most, not 2,000 holders per SKU.
    expect(reads.indexRows).toBeLessThan(400);
  });

  it('a call with nothing to extend reads each holding once: locked and checked in one statement, no extension', async () => {
    const tables = await tableReads(async (client) => {
      for (let i = 0; i < 6; i++) expect(await apply(client, asHeld)).toBe('ok');
    });
    // 3 holdings, 6 calls, every holding already until the expiry each call names: one read per holding per
    // call (the lock and the check are one statement; the extension, with nothing to write, does not run).
    expect(tables.reservations!.indexRows).toBe(18);
  });

  it('a change extends every holding it does not write to the expiry it names, those already there or not', async () => {
    const later = new Date(EXPIRY.getTime() + 60_000);
    const call = (client: pg.PoolClient, plan: object[], expires: Date) =>
      client
        .query<{ r: string }>(`select basket_apply_reservations($1, 1, 'plans', $2::jsonb, $3, now()) as r`, [basket, JSON.stringify(plan), expires])
        .then((res) => res.rows[0]!.r);
    const held = (client: pg.PoolClient) =>
      client
        .query<{ sku: string; quantity: number; expires_at: Date }>(`select sku, quantity, expires_at from reservations where basket_id = $1 order by sku`, [basket])
        .then((res) => res.rows.map((r) => ({ sku: r.sku, quantity: r.quantity, expires: r.expires_at.getTime() })));
    await tableReads(async (client) => {
      // Only the changed holding differs from the named expiry beforehand: the others are extended all the same.
      expect(await call(client, [{ sku: 'PLAN-A', have: 2, target: 3 }, ...asHeld.slice(1)], later)).toBe('ok');
      expect(await held(client)).toEqual([
        { sku: 'PLAN-A', quantity: 3, expires: later.getTime() },
        { sku: 'PLAN-B', quantity: 2, expires: later.getTime() },
        { sku: 'PLAN-C', quantity: 2, expires: later.getTime() },
      ]);
      // One unchanged holding behind (a merge keeps the earlier of two expiries): it alone is extended.
      await client.query(`update reservations set expires_at = $2 where basket_id = $1 and sku = 'PLAN-C'`, [basket, EXPIRY]);
      expect(await call(client, [{ sku: 'PLAN-A', have: 3, target: 2 }, ...asHeld.slice(1)], later)).toBe('ok');
      expect(await held(client)).toEqual([
        { sku: 'PLAN-A', quantity: 2, expires: later.getTime() },
        { sku: 'PLAN-B', quantity: 2, expires: later.getTime() },
        { sku: 'PLAN-C', quantity: 2, expires: later.getTime() },
      ]);
      // A plan that changes nothing still extends.
      await client.query(`update reservations set expires_at = $2 where basket_id = $1`, [basket, EXPIRY]);
      expect(await call(client, asHeld, later)).toBe('ok');
      expect((await held(client)).map((h) => h.expires)).toEqual([later.getTime(), later.getTime(), later.getTime()]);
    });
  });

  it('a call leaves every holding of the basket locked until its transaction ends (a reclaimer skips them all)', async () => {
    const handle = openDatabase(testDatabaseUrl(), 2);
    const [caller, reclaimer] = [await handle.pool.connect(), await handle.pool.connect()];
    try {
      await caller.query('begin');
      // Changes one holding, extends none: the other two are locked by the check alone.
      expect(await apply(caller, [{ sku: 'PLAN-A', have: 2, target: 3 }, ...asHeld.slice(1)])).toBe('ok');
      const { rows } = await reclaimer.query(`select sku from reservations where basket_id = $1 for update skip locked`, [basket]);
      expect(rows).toEqual([]);
    } finally {
      await caller.query('rollback');
      caller.release();
      reclaimer.release();
      await handle.pool.end();
    }
  });

  it('the mutation state read reads only the basket’s own rows, its SKUs’ catalogue entries and expired holdings', async () => {
    const tables = await tableReads(async (client) => {
      for (let i = 0; i < 6; i++) {
        const rows = await runStatement(client, readMutationState, {
          basketId: basket,
          mutationId: randomUUID(),
          createSiteId: null,
          skus: ['PLAN-D'],
          now: new Date(),
          codes: [],
          lists: [],
        });
        expect(rows).toHaveLength(1);
      }
    });
    // 6 reads of a 3-line basket and one more SKU, beside 5,000 products and 2,000 baskets holding the same SKUs.
    for (const table of ['reservations', 'products', 'prices', 'stocks', 'basket_lines', 'baskets', 'mutations']) {
      expect({ table, seq: tables[table]?.seq ?? 0 }).toEqual({ table, seq: 0 });
      expect({ table, indexRowsBelow200: (tables[table]?.indexRows ?? 0) < 200 }).toEqual({ table, indexRowsBelow200: true });
    }
  });

  it('the holdings check refuses a plan that omits a holding or misstates one, and changes nothing', async () => {
    const tables = await tableReads(async (client) => {
      expect(await apply(client, asHeld.slice(0, 2))).toBe('conflict'); // PLAN-C held but not listed
      expect(await apply(client, [...asHeld.slice(0, 2), { sku: 'PLAN-C', have: 1, target: 3 }])).toBe('conflict'); // misstated
      expect(await apply(client, [...asHeld, { sku: 'PLAN-D', have: 1, target: 1 }])).toBe('conflict'); // claims a holding it lacks
      expect(await apply(client, asHeld, 2)).toBe('conflict'); // stale version
      const { rows } = await client.query<{ sku: string; quantity: number }>(`select sku, quantity from reservations where basket_id = $1 order by sku`, [
        basket,
      ]);
      expect(rows).toEqual(SKUS.slice(0, 3).map((sku) => ({ sku, quantity: 2 })));
      expect(await apply(client, [...asHeld.slice(0, 2), { sku: 'PLAN-C', have: 2, target: 0 }, { sku: 'PLAN-D', have: 0, target: 1 }])).toBe('ok');
      const after = await client.query<{ sku: string; quantity: number }>(`select sku, quantity from reservations where basket_id = $1 order by sku`, [basket]);
      expect(after.rows).toEqual([
        { sku: 'PLAN-A', quantity: 2 },
        { sku: 'PLAN-B', quantity: 2 },
        { sku: 'PLAN-D', quantity: 1 },
      ]);
    });
    expect(tables.reservations!.seq).toBe(0);
  });

  it('a holding’s quantity change is a HOT update, even among full pages of other holdings', async () => {
    const tables = await tableReads(async (client) => {
      expect(await apply(client, [{ sku: 'PLAN-A', have: 2, target: 3 }, ...asHeld.slice(1)])).toBe('ok');
      expect(await apply(client, [{ sku: 'PLAN-A', have: 3, target: 2 }, { sku: 'PLAN-B', have: 2, target: 4 }, asHeld[2]!])).toBe('ok');
    });
    expect({ updates: tables.reservations!.updates, hot: tables.reservations!.hot }).toEqual({ updates: 3, hot: 3 });
  });
});

describe('a move judges watchers again once it holds the stock row', () => {
  // A watcher that commits while the move's UPDATE waits for the row (another mover holds it) is missed by
  // that UPDATE's own judgement (its snapshot is older); the judgement after the lock must see it.
  for (const [direction, plan, flashed] of [
    ['units given back: a flashed watcher', [{ sku: 'PLAN-A', have: 2, target: 1 }, ...asHeld.slice(1)], true],
    ['units taken: an unflashed watcher', [{ sku: 'PLAN-A', have: 2, target: 3 }, ...asHeld.slice(1)], false],
  ] as const) {
    it(`${direction} that committed while the move waited for the row is flagged`, async () => {
      const handle = openDatabase(testDatabaseUrl(), 3);
      const [holder, mover, watcher] = [await handle.pool.connect(), await handle.pool.connect(), await handle.pool.connect()];
      const other = (await watcher.query<{ id: string }>(`select id from baskets where id <> $1 limit 1`, [basket])).rows[0]!.id;
      try {
        await holder.query('begin');
        await holder.query(`update stocks set updated_at = now() where stock_list = 'plans' and sku = 'PLAN-A'`);
        await mover.query('begin');
        const moved = apply(mover, [...plan]);
        const moverPid = (mover as unknown as { processID: number }).processID;
        for (let i = 0; ; i++) {
          const { rows } = await watcher.query(`select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'`, [moverPid]);
          if (rows.length) break;
          if (i > 200) throw new Error('the move did not wait for the row');
          await new Promise((r) => setTimeout(r, 10));
        }
        await watcher.query(`insert into stock_watch (basket_id, stock_list, sku, wanted, flashed) values ($1, 'plans', 'PLAN-A', 5, $2)`, [other, flashed]);
        await holder.query('rollback');
        expect(await moved).toBe('ok');
        const { rows } = await mover.query<{ revisit: boolean }>(`select revisit from stocks where stock_list = 'plans' and sku = 'PLAN-A'`);
        expect(rows[0]!.revisit).toBe(true);
      } finally {
        await holder.query('rollback').catch(() => undefined);
        await mover.query('rollback').catch(() => undefined);
        await watcher.query(`delete from stock_watch where basket_id = $1`, [other]);
        for (const c of [holder, mover, watcher]) c.release();
        await handle.pool.end();
      }
    });
  }
});
