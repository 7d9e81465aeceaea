/**
 * Stock truth within one sweep (real PostgreSQL and Redis, the expiry scheduler running): whenever units a
 * basket wants stop being available to it, the basket is re-priced through its own lane within
 * EXPIRY_SWEEP_MS (+ queueing) and shows ProductItemNotAvailable (Akinon: `out_of_stock`); when the
 * units come back, the flash clears. The three loss orders of the issue, each timed from the write that
 * took the units.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { OCAPI, seedProducts, Shopper, startHarness, itemFlashes, type Harness } from '../support/harness.js';
import { testDatabaseUrl } from '../support/test-database.js';
import { laneOf } from '../../src/queue/lanes.js';
import { revisitStockWatchers } from '../../src/application/revisit-stock-watchers.js';
import { takeFlaggedStocks } from '../../src/persistence/stock-revisit.repository.js';
import { sweepExpiredReservations } from '../../src/application/sweep-expired-reservations.js';
import { startExpiryScheduler } from '../../src/bootstrap/expiry-scheduler.js';
import { pino } from 'pino';

const SWEEP_MS = 1000;
/** The bound: one sweep interval plus 2 s of queueing. */
const BOUND_MS = SWEEP_MS + 2000;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const unavailable = (doc: { flash?: { type: string; path: string }[] }) => itemFlashes(doc).some((f) => f.type === 'ProductItemNotAvailable');

/** Polls the basket until `want(doc)`; returns how long it took, failing past `limitMs` (+ slack to report it). */
async function timeUntil(s: Shopper, id: string, want: (doc: any) => boolean, limitMs = BOUND_MS): Promise<{ ms: number; doc: any }> {
  const started = Date.now();
  for (;;) {
    const doc = (await s.get(id)).json();
    const ms = Date.now() - started;
    if (want(doc)) return { ms, doc };
    if (ms > limitMs + 5000) throw new Error(`not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stockRow(hh: Harness, sku: string) {
  const { rows } = await sql<{ on_hand: number; reserved: number; held: number }>`
    select on_hand, reserved, (select coalesce(sum(quantity), 0) from reservations r where r.stock_list = 'default' and r.sku = ${sku})::int as held
    from stocks where stock_list = 'default' and sku = ${sku}`.execute(hh.res.db);
  return rows[0]!;
}

async function versionOf(hh: Harness, id: string): Promise<number> {
  const { rows } = await sql<{ version: number }>`select version from baskets where id = ${id}`.execute(hh.res.db);
  return rows[0]!.version;
}

async function recalculations(hh: Harness, id: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from mutations where basket_id = ${id} and kind = 'recalculate'`.execute(hh.res.db);
  return rows[0]!.n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets a basket's holdings expire now (the clock moved past them), leaving every other basket's TTL long. */
async function expireHoldingsOf(hh: Harness, id: string): Promise<void> {
  await sql`update reservations set expires_at = now() - interval '1 second' where basket_id = ${id}`.execute(hh.res.db);
}

describe('a basket that loses units it wants is told within one sweep', () => {
  it('order 1: A’s hold expires and is released by the sweep (A fine), then B takes the unit; B gives it back → A clears', async () => {
    h = await startHarness({ EXPIRY_SWEEP_MS: String(SWEEP_MS) }, { scheduler: true });
    const sku = `${h.tag}-last`;
    await seedProducts(h, [{ sku, price: '10.00', stock: 1 }]);
    const a = new Shopper(h);
    const b = new Shopper(h);
    const [ia, ib] = [await a.createBasket(), await b.createBasket()];
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    await expireHoldingsOf(h, ia);
    // The sweep releases A's expired hold: the unit is free, so A's line is rightly shown as fine.
    const released = await timeUntil(a, ia, (d) => d.inventory_reservation_expiry === null, 1000 + BOUND_MS);
    expect(unavailable(released.doc)).toBe(false);
    expect(await stockRow(h, sku)).toMatchObject({ reserved: 0, held: 0 });

    const took = await b.addItems(ib, [{ product_id: sku, quantity: 1 }]);
    expect(took.statusCode).toBe(200);
    const flashed = await timeUntil(a, ia, unavailable);
    expect(flashed.ms).toBeLessThanOrEqual(BOUND_MS);
    expect(itemFlashes(flashed.doc)).toEqual([expect.objectContaining({ type: 'ProductItemNotAvailable', path: '$.product_items[0]' })]);
    // Akinon shows the same line as out of stock (A's newest active basket on the Akinon site).
    const ak = (await a.request('GET', '/baskets/basket/')).json().basket;
    expect(ak.basketitem_set).toEqual([]);
    expect(ak.unavailable_basket_products).toEqual([expect.objectContaining({ reason: 'out_of_stock', quantity: 1 })]);
    // The news is told once: no further re-pricing while nothing moves.
    const settled = await versionOf(h, ia);
    await sleep(SWEEP_MS * 2.5);
    expect(await versionOf(h, ia)).toBe(settled);
    expect(await recalculations(h, ia)).toBe(1);

    // B removes its line: the unit comes back and A's flash clears within a sweep.
    const line = took.json().product_items[0].item_id as string;
    expect((await b.request('DELETE', `/s/default/dw/shop/v23_2/baskets/${ib}/items/${line}`)).statusCode).toBe(200);
    const cleared = await timeUntil(a, ia, (d) => !unavailable(d));
    expect(cleared.ms).toBeLessThanOrEqual(BOUND_MS);
    expect(cleared.doc.product_items[0].quantity).toBe(1);
    expect(await stockRow(h, sku)).toMatchObject({ on_hand: 1, reserved: 0, held: 0 });
  });

  it('order 2: B reclaims A’s expired hold before any sweep ran; then on-hand raised → A clears', async () => {
    // No scheduler yet: B's add must find A's hold expired but not yet swept.
    h = await startHarness({ EXPIRY_SWEEP_MS: String(SWEEP_MS) });
    const sku = `${h.tag}-reclaim`;
    await seedProducts(h, [{ sku, price: '10.00', stock: 1 }]);
    const a = new Shopper(h);
    const b = new Shopper(h);
    const [ia, ib] = [await a.createBasket(), await b.createBasket()];
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    await expireHoldingsOf(h, ia);
    expect((await b.addItems(ib, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    // A's row was zeroed in B's write (reclaimed inline), and A still shows the line as fine.
    const { rows } = await sql<{ quantity: number }>`select quantity from reservations where basket_id = ${ia}`.execute(h.res.db);
    expect(rows).toEqual([{ quantity: 0 }]);
    expect(unavailable((await a.get(ia)).json())).toBe(false);

    const scheduler = await startExpiryScheduler(h.config, h.res, pino({ level: 'silent' }));
    try {
      const flashed = await timeUntil(a, ia, unavailable);
      expect(flashed.ms).toBeLessThanOrEqual(BOUND_MS);
      expect(flashed.doc.inventory_reservation_expiry).toBeNull();
      expect(await stockRow(h, sku)).toMatchObject({ on_hand: 1, reserved: 1, held: 1 });

      // More units arrive: A's flash clears (the unit is free for it now).
      expect((await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 2 }] } })).statusCode).toBe(200);
      const cleared = await timeUntil(a, ia, (d) => !unavailable(d));
      expect(cleared.ms).toBeLessThanOrEqual(BOUND_MS);
    } finally {
      await scheduler.close();
    }
  });

  it('order 3: an admin lowers on-hand below what is held (holders flashed), then raises it (cleared)', async () => {
    h = await startHarness({ EXPIRY_SWEEP_MS: String(SWEEP_MS) }, { scheduler: true });
    const sku = `${h.tag}-shrink`;
    await seedProducts(h, [{ sku, price: '4.00', stock: 5 }]);
    const a = new Shopper(h);
    const c = new Shopper(h);
    const [ia, ic] = [await a.createBasket(), await c.createBasket()];
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 3 }])).statusCode).toBe(200);
    expect((await c.addItems(ic, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200);
    const lower = await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 2 }] } });
    expect(lower.statusCode).toBe(200);
    // Nobody can count on held units that do not exist: both holders are flashed.
    const [fa, fc] = await Promise.all([timeUntil(a, ia, unavailable), timeUntil(c, ic, unavailable)]);
    expect(fa.ms).toBeLessThanOrEqual(BOUND_MS);
    expect(fc.ms).toBeLessThanOrEqual(BOUND_MS);
    // Holdings are untouched (on-hand lowered never takes units away from a basket by itself).
    expect(await stockRow(h, sku)).toMatchObject({ on_hand: 2, reserved: 5, held: 5 });

    const raise = await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 5 }] } });
    expect(raise.statusCode).toBe(200);
    const [ca, cc] = await Promise.all([timeUntil(a, ia, (d) => !unavailable(d)), timeUntil(c, ic, (d) => !unavailable(d))]);
    expect(ca.ms).toBeLessThanOrEqual(BOUND_MS);
    expect(cc.ms).toBeLessThanOrEqual(BOUND_MS);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from stock_watch where basket_id in (${ia}, ${ic})`.execute(h.res.db);
    expect(rows[0]!.n).toBe(0);
  });

  // It once failed in a full run: another test file's expiry scheduler, sharing the database then, took
  // this basket's revisit into its own lanes and its own snapshot cache (see file-database.setup.ts).
  it('on-hand lowered under a basket that relies on free units (it holds none) flashes it too', async () => {
    h = await startHarness({ EXPIRY_SWEEP_MS: String(SWEEP_MS) }, { scheduler: true });
    const sku = `${h.tag}-relies`;
    await seedProducts(h, [{ sku, price: '4.00', stock: 3 }]);
    const a = new Shopper(h);
    const ia = await a.createBasket();
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200);
    await expireHoldingsOf(h, ia);
    await timeUntil(a, ia, (d) => d.inventory_reservation_expiry === null, 1000 + BOUND_MS);
    const { rows } = await sql<{ wanted: number; flashed: boolean }>`select wanted, flashed from stock_watch where basket_id = ${ia}`.execute(h.res.db);
    expect(rows).toEqual([{ wanted: 2, flashed: false }]);
    expect((await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 1 }] } })).statusCode).toBe(200);
    const flashed = await timeUntil(a, ia, unavailable);
    expect(flashed.ms).toBeLessThanOrEqual(BOUND_MS);
  });
});

describe('a re-pricing that races a move of the same units', () => {
  it('units given back while a re-pricing that read them as taken is in flight: the basket is judged again and clears', async () => {
    h = await startHarness({});
    const sku = `${h.tag}-race`;
    await seedProducts(h, [{ sku, price: '1.00', stock: 1 }]);
    const deps = { db: h.res.db, lanes: h.api.lanes, now: () => new Date() };
    const a = new Shopper(h);
    const b = new Shopper(h);
    const ia = await a.createBasket();
    // B on another lane: A's lane is held up below.
    let ib = await b.createBasket();
    while (laneOf(ib, h.config.LANES) === laneOf(ia, h.config.LANES)) ib = await b.createBasket();
    // A wants the unit without holding it (its hold expired and was released): an unflashed watcher.
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    await expireHoldingsOf(h, ia);
    await sweepExpiredReservations(deps, 100);
    await timeUntil(a, ia, (d) => d.inventory_reservation_expiry === null);
    // B takes the unit: flagged, and the sweep sends A a re-pricing, which reads the unit as taken…
    const took = await b.addItems(ib, [{ product_id: sku, quantity: 1 }]);
    expect(took.statusCode).toBe(200);
    const locker = new pg.Client({ connectionString: testDatabaseUrl() });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('select 1 from baskets where id = $1 for update', [ia]);
      expect(await revisitStockWatchers(deps, 100)).toEqual({ skus: 1, baskets: 1 });
      // …and waits to write (A's row is locked here) while B gives the unit back. That move sees A's
      // watch row still unflashed, so it has no reason to flag the SKU.
      await waitForLockWait(h);
      const line = took.json().product_items[0].item_id as string;
      expect((await b.request('DELETE', `${OCAPI}/baskets/${ib}/items/${line}`)).statusCode).toBe(200);
      expect(await revisitFlag(h, sku)).toBe(false);
    } finally {
      await locker.query('commit').catch(() => undefined);
      await locker.end();
    }
    // A's re-pricing writes what it read (flashed), then sees the unit moved since and flags the SKU…
    await timeUntil(a, ia, unavailable);
    expect(await revisitFlag(h, sku)).toBe(true);
    // …so the next sweep judges A again, and A clears: the unit is free.
    expect(await revisitStockWatchers(deps, 100)).toEqual({ skus: 1, baskets: 1 });
    await timeUntil(a, ia, (d) => !unavailable(d));
    expect(await stockRow(h, sku)).toMatchObject({ on_hand: 1, reserved: 0, held: 0 });
  });
});

async function revisitFlag(hh: Harness, sku: string): Promise<boolean> {
  const { rows } = await sql<{ revisit: boolean }>`select revisit from stocks where stock_list = 'default' and sku = ${sku}`.execute(hh.res.db);
  return rows[0]!.revisit;
}

/** Until a session of this file's database waits for a lock (the lane's write behind the test's lock). */
async function waitForLockWait(hh: Harness): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(hh.res.db);
    if (rows[0]!.n > 0) return;
    await sleep(50);
  }
  throw new Error('no write waited for the lock');
}

describe('bounded work per sweep', () => {
  it('re-prices at most EXPIRY_BATCH baskets per sweep and finishes the rest in later sweeps, each basket once', async () => {
    h = await startHarness({ EXPIRY_BATCH: '10' });
    const sku = `${h.tag}-many`;
    await seedProducts(h, [{ sku, price: '1.00', stock: 25 }]);
    const shoppers = Array.from({ length: 25 }, () => new Shopper(h!));
    const ids = await Promise.all(shoppers.map((s) => s.createBasket()));
    await Promise.all(shoppers.map((s, i) => s.addItems(ids[i]!, [{ product_id: sku, quantity: 1 }])));
    expect((await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 0 }] } })).statusCode).toBe(200);
    const deps = { db: h.res.db, lanes: h.api.lanes, now: () => new Date() };
    const told = new Set<string>();
    for (let sweep = 0; sweep < 6 && told.size < 25; sweep++) {
      const r = await revisitStockWatchers(deps, 10);
      expect(r.baskets).toBeLessThanOrEqual(10);
      // Let the lanes apply this sweep's re-pricings, as the sweep interval would.
      await sleep(1500);
      for (const [i, s] of shoppers.entries()) if (unavailable((await s.get(ids[i]!)).json())) told.add(ids[i]!);
    }
    expect(told.size).toBe(25);
    for (const id of ids) expect(await recalculations(h, id)).toBe(1);
    // Nothing left to do: the flag is clear and a further sweep enqueues nothing.
    expect(await revisitStockWatchers(deps, 10)).toEqual({ skus: 0, baskets: 0 });
  });
});

describe('news a drain took is not lost', () => {
  /** Two holders of two SKUs whose on-hand an admin lowered under them: both SKUs flagged. */
  async function twoShrunkSkus(hh: Harness) {
    const skus = [`${hh.tag}-n1`, `${hh.tag}-n2`];
    await seedProducts(
      hh,
      skus.map((sku) => ({ sku, price: '3.00', stock: 2 })),
    );
    const shoppers = [new Shopper(hh), new Shopper(hh)];
    const ids = [await shoppers[0]!.createBasket(), await shoppers[1]!.createBasket()];
    for (const [i, s] of shoppers.entries()) expect((await s.addItems(ids[i]!, [{ product_id: skus[i]!, quantity: 2 }])).statusCode).toBe(200);
    const lower = await hh.app.inject({
      method: 'PUT',
      url: '/admin/stock-lists/default',
      headers: hh.adminHeaders,
      payload: { stocks: skus.map((sku) => ({ sku, quantity: 1 })) },
    });
    expect(lower.statusCode).toBe(200);
    for (const sku of skus) expect(await revisitFlag(hh, sku)).toBe(true);
    return { skus, shoppers, ids };
  }

  it('a drain whose enqueueing fails flags the SKU it was on and every later one again; the next drain tells the baskets', async () => {
    h = await startHarness({});
    const { skus, shoppers, ids } = await twoShrunkSkus(h);
    const failing = { db: h.res.db, lanes: { add: () => Promise.reject(new Error('Redis unreachable')) }, now: () => new Date() };
    await expect(revisitStockWatchers(failing, 100)).rejects.toThrow('Redis unreachable');
    for (const sku of skus) expect(await revisitFlag(h, sku)).toBe(true);
    expect(await revisitStockWatchers({ db: h.res.db, lanes: h.api.lanes, now: () => new Date() }, 100)).toEqual({ skus: 2, baskets: 2 });
    for (const [i, s] of shoppers.entries()) await timeUntil(s, ids[i]!, unavailable);
  });

  it('a drain that died after taking the flags (nothing enqueued): a starting scheduler judges every watcher afresh and the baskets are told', async () => {
    h = await startHarness({ EXPIRY_SWEEP_MS: String(SWEEP_MS) });
    const { skus, shoppers, ids } = await twoShrunkSkus(h);
    // The dead drain's state: flags cleared in its committed statement, its re-pricings never enqueued.
    expect(await takeFlaggedStocks(h.res.db, 100)).toHaveLength(2);
    for (const sku of skus) expect(await revisitFlag(h, sku)).toBe(false);
    await sleep(SWEEP_MS);
    for (const [i, s] of shoppers.entries()) expect(unavailable((await s.get(ids[i]!)).json())).toBe(false);

    const scheduler = await startExpiryScheduler(h.config, h.res, pino({ level: 'silent' }));
    try {
      for (const [i, s] of shoppers.entries()) expect((await timeUntil(s, ids[i]!, unavailable)).ms).toBeLessThanOrEqual(BOUND_MS);
      for (const id of ids) expect(await recalculations(h, id)).toBe(1);
    } finally {
      await scheduler.close();
    }
  });
});
