/**
 * Inventory reservation with expiry (real PostgreSQL and Redis): never oversell, release on time, and
 * keep `stocks.reserved` equal to the sum of reservation rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createBaskets, eventually, OCAPI, seedProducts, Shopper, startHarness, type Harness, itemFlashes } from '../support/harness.js';
import { sweepExpiredReservations } from '../../src/application/sweep-expired-reservations.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_TTL_SECONDS: '600' });
});
afterAll(async () => h?.close());

const stockOf = async (hh: Harness, sku: string) =>
  (await hh.app.inject({ method: 'GET', url: `/admin/stock-lists/default/${sku}`, headers: hh.adminHeaders })).json();

/** For every SKU of the test: reserved equals the sum of its reservation rows, and nothing is negative. */
async function expectReservedMatchesRows(hh: Harness, skus: string[]) {
  const { rows } = await sql<{ sku: string; on_hand: number; reserved: number; held: number }>`
    select s.sku, s.on_hand, s.reserved, coalesce((select sum(r.quantity) from reservations r where r.stock_list = s.stock_list and r.sku = s.sku), 0)::int as held
    from stocks s where s.stock_list = 'default' and s.sku = any(${skus}::text[])`.execute(hh.res.db);
  expect(rows).toHaveLength(skus.length);
  for (const r of rows) {
    expect(r.reserved, r.sku).toBe(r.held);
    expect(r.reserved).toBeGreaterThanOrEqual(0);
    expect(r.on_hand).toBeGreaterThanOrEqual(0);
  }
  return rows;
}

describe('holdings a change leaves alone', () => {
  it('keep their rows: changes within one expiry step rewrite only the SKU they change (no dead row per holding per change)', async () => {
    const skus = Array.from({ length: 5 }, (_, i) => `${h.tag}-kept-${i}`);
    const busy = `${h.tag}-kept-busy`;
    await seedProducts(
      h,
      [...skus, busy].map((sku) => ({ sku, price: '1.00', stock: 100 })),
    );
    const shopper = new Shopper(h);
    const id = await shopper.createBasket();
    expect(
      (
        await shopper.addItems(
          id,
          skus.map((sku) => ({ product_id: sku, quantity: 1 })),
        )
      ).statusCode,
    ).toBe(200);
    // xmin: the transaction that wrote the row's current version (it changes exactly when the row is rewritten).
    const versions = async () =>
      (
        await sql<{ sku: string; xmin: string; expires_at: Date }>`select sku, xmin::text as xmin, expires_at from reservations
          where basket_id = ${id} and sku = any(${skus}::text[])`.execute(h.res.db)
      ).rows;
    const seen = new Map<string, Set<string>>(skus.map((s) => [s, new Set<string>()]));
    const expiries = new Set<number>();
    for (let i = 0; i < 6; i++) {
      expect((await shopper.addItems(id, [{ product_id: busy, quantity: 1 }])).statusCode).toBe(200);
      for (const v of await versions()) {
        seen.get(v.sku)!.add(v.xmin);
        expiries.add(v.expires_at.getTime());
      }
    }
    // Six changes within seconds: one expiry step (a minute at this TTL), or two if a step boundary fell in between.
    expect(expiries.size).toBeLessThanOrEqual(2);
    for (const [sku, xmins] of seen) expect(xmins.size, sku).toBe(expiries.size);
    await expectReservedMatchesRows(h, [...skus, busy]);
  });
});

describe('concurrent shoppers on scarce stock', () => {
  it('stock 1, 100 baskets add it at once: exactly one succeeds', async () => {
    const sku = `${h.tag}-last-one`;
    await seedProducts(h, [{ sku, price: '99.00', stock: 1 }]);
    const shoppers = Array.from({ length: 100 }, () => new Shopper(h));
    const baskets = await Promise.all(shoppers.map((s) => s.createBasket()));
    const results = await Promise.all(shoppers.map((s, i) => s.addItems(baskets[i]!, [{ product_id: sku, quantity: 1 }])));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(99);
    const refused = results.find((r) => r.statusCode === 409)!.json();
    expect(refused.fault.type).toBe('ProductItemNotAvailableException');
    expect(refused.fault.message).toContain(sku);
    expect(refused.fault.message).toContain('Only 0');
    expect(await stockOf(h, sku)).toMatchObject({ on_hand: 1, reserved: 1, available: 0 });
    await expectReservedMatchesRows(h, [sku]);
  });

  it('stock 100, 1,000 one-unit adds from different baskets: exactly 100 reserved', async () => {
    const sku = `${h.tag}-flash`;
    await seedProducts(h, [{ sku, price: '5.00', stock: 100 }]);
    const agent = new Shopper(h, 'agent-flash', 'agent');
    const baskets = await createBaskets(agent, 1000);
    const results = await Promise.all(baskets.map((id) => agent.addItems(id, [{ product_id: sku, quantity: 1 }])));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(100);
    expect(codes.filter((c) => c === 409)).toHaveLength(900);
    expect(await stockOf(h, sku)).toMatchObject({ on_hand: 100, reserved: 100, available: 0 });
    await expectReservedMatchesRows(h, [sku]);
  });

  it('rejects whole a mutation whose two lines of one SKU together exceed stock', async () => {
    const sku = `${h.tag}-pair`;
    await seedProducts(h, [{ sku, price: '1.00', stock: 5 }]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await s.addItems(id, [
      { product_id: sku, quantity: 3 },
      { product_id: sku, quantity: 3 },
    ]);
    expect(r.statusCode).toBe(409);
    expect(r.json().fault.message).toContain('Only 5');
    expect((await s.get(id)).json().product_items).toEqual([]);
    expect(await stockOf(h, sku)).toMatchObject({ reserved: 0, available: 5 });
  });

  it('refuses a product with no stock record at all', async () => {
    const sku = `${h.tag}-untracked`;
    await seedProducts(h, [{ sku, price: '1.00' }]);
    await sql`delete from stocks where sku = ${sku}`.execute(h.res.db);
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(409);
  });
});

describe('units come back', () => {
  it('when a quantity goes down, a line is removed, or the basket is deleted', async () => {
    const sku = `${h.tag}-back`;
    const other = `${h.tag}-back2`;
    await seedProducts(h, [
      { sku, price: '2.00', stock: 10 },
      { sku: other, price: '2.00', stock: 10 },
    ]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    const doc = (
      await s.addItems(id, [
        { product_id: sku, quantity: 6 },
        { product_id: other, quantity: 4 },
      ])
    ).json();
    expect(doc.inventory_reservation_expiry).toEqual(expect.any(String));
    expect(await stockOf(h, sku)).toMatchObject({ reserved: 6, available: 4 });
    await s.setQuantity(id, doc.product_items[0].item_id, 2);
    expect(await stockOf(h, sku)).toMatchObject({ reserved: 2, available: 8 });
    await s.request('DELETE', `${OCAPI}/baskets/${id}/items/${doc.product_items[0].item_id}`);
    expect(await stockOf(h, sku)).toMatchObject({ reserved: 0, available: 10 });
    expect(await stockOf(h, other)).toMatchObject({ reserved: 4 });
    await s.request('DELETE', `${OCAPI}/baskets/${id}`);
    expect(await stockOf(h, other)).toMatchObject({ reserved: 0, available: 10 });
    await expectReservedMatchesRows(h, [sku, other]);
  });

  it('extends the expiry on every change of the basket: at least the TTL after the change, at most one step (a tenth of the TTL, ≤ 1 min) more', async () => {
    const sku = `${h.tag}-extend`;
    await seedProducts(h, [{ sku, price: '2.00', stock: 10 }]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    const expiryAfterAdd = async () => {
      const before = Date.now();
      const at = Date.parse((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).json().inventory_reservation_expiry);
      expect(at - before).toBeGreaterThanOrEqual(600_000);
      expect(at - Date.now()).toBeLessThan(600_000 + 60_000);
      return at;
    };
    const first = await expiryAfterAdd();
    const second = await expiryAfterAdd();
    expect(second).toBeGreaterThanOrEqual(first);

    // With a 2 s TTL (a 200 ms step), a change one step later moves the expiry on.
    const quick = await startHarness({ RESERVATION_TTL_SECONDS: '2' });
    try {
      const qs = new Shopper(quick);
      const qsku = `${quick.tag}-extend`;
      await seedProducts(quick, [{ sku: qsku, price: '2.00', stock: 10 }]);
      const qid = await qs.createBasket();
      const a = Date.parse((await qs.addItems(qid, [{ product_id: qsku, quantity: 1 }])).json().inventory_reservation_expiry);
      await new Promise((r) => setTimeout(r, 250));
      const before = Date.now();
      const b = Date.parse((await qs.addItems(qid, [{ product_id: qsku, quantity: 1 }])).json().inventory_reservation_expiry);
      expect(b).toBeGreaterThan(a);
      expect(b - before).toBeGreaterThanOrEqual(2_000);
    } finally {
      await quick.close();
    }
  });
});

describe('stock lowered below what is reserved', () => {
  it('shows availability 0, keeps every number non-negative, and flashes the holders on recalculation', async () => {
    const sku = `${h.tag}-shrink`;
    const filler = `${h.tag}-filler`;
    await seedProducts(h, [
      { sku, price: '4.00', stock: 10 },
      { sku: filler, price: '1.00', stock: 10 },
    ]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 5 }]);
    const r = await h.app.inject({ method: 'PUT', url: '/admin/stock-lists/default', headers: h.adminHeaders, payload: { stocks: [{ sku, quantity: 2 }] } });
    expect(r.statusCode).toBe(200);
    expect(await stockOf(h, sku)).toEqual({ stock_list: 'default', sku, on_hand: 2, reserved: 5, available: 0 });
    const doc = (await s.addItems(id, [{ product_id: filler, quantity: 1 }])).json();
    expect(itemFlashes(doc)).toEqual([{ _type: 'flash', type: 'ProductItemNotAvailable', message: expect.stringContaining(sku), path: '$.product_items[0]' }]);
    // Nobody else can add it.
    const other = new Shopper(h);
    const oid = await other.createBasket();
    expect((await other.addItems(oid, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(409);
    await expectReservedMatchesRows(h, [sku, filler]);
  });
});

describe('with a short reservation TTL', () => {
  let fast: Harness;
  beforeAll(async () => {
    fast = await startHarness({ RESERVATION_TTL_SECONDS: '1' });
  });
  afterAll(async () => fast?.close());
  // Sweeps run by hand here, so each test decides what happens before and after one.
  const sweep = () => sweepExpiredReservations({ db: fast.res.db, lanes: fast.api.lanes, now: () => new Date() }, 500);

  it('an expired reservation never blocks another shopper, even before the sweep', async () => {
    const sku = `${fast.tag}-expiring`;
    await seedProducts(fast, [{ sku, price: '10.00', stock: 1 }]);
    const a = new Shopper(fast);
    const b = new Shopper(fast);
    const [ia, ib] = [await a.createBasket(), await b.createBasket()];
    expect((await a.addItems(ia, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    expect((await b.addItems(ib, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 1100));
    const taken = await b.addItems(ib, [{ product_id: sku, quantity: 1 }]);
    expect(taken.statusCode).toBe(200);
    expect(await stockOf(fast, sku)).toMatchObject({ on_hand: 1, reserved: 1 });
    // After the sweep, the first basket shows its line as not available and holds nothing.
    expect(await sweep()).toBeGreaterThanOrEqual(1);
    const docA = await eventually(async () => {
      const d = (await a.get(ia)).json();
      return d.flash?.some((f: { type: string }) => f.type === 'ProductItemNotAvailable') ? d : undefined;
    }, 10_000);
    expect(docA.inventory_reservation_expiry).toBeNull();
    expect(docA.product_items[0].quantity).toBe(1);
    await expectReservedMatchesRows(fast, [sku]);
  });

  it('after the sweep a line whose units are still free stays valid, with no reservation held', async () => {
    const sku = `${fast.tag}-plenty`;
    await seedProducts(fast, [{ sku, price: '10.00', stock: 50 }]);
    const a = new Shopper(fast);
    const id = await a.createBasket();
    const before = (await a.addItems(id, [{ product_id: sku, quantity: 3 }])).json();
    expect(before.inventory_reservation_expiry).toEqual(expect.any(String));
    expect(await stockOf(fast, sku)).toMatchObject({ reserved: 3 });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sweep()).toBeGreaterThanOrEqual(1);
    const after = await eventually(async () => {
      const d = (await a.get(id)).json();
      return d.inventory_reservation_expiry === null ? d : undefined;
    }, 10_000);
    expect(itemFlashes(after)).toEqual([]);
    expect(await stockOf(fast, sku)).toMatchObject({ reserved: 0, available: 50 });
    // The shopper's next change holds the units again.
    const again = (await a.addItems(id, [{ product_id: sku, quantity: 1 }])).json();
    expect(again.inventory_reservation_expiry).toEqual(expect.any(String));
    expect(await stockOf(fast, sku)).toMatchObject({ reserved: 4 });
  });
});

describe('the expiry scheduler', () => {
  it('sweeps by itself every EXPIRY_SWEEP_MS and releases expired units through the basket lane', async () => {
    const timed = await startHarness({ RESERVATION_TTL_SECONDS: '1', EXPIRY_SWEEP_MS: '200' }, { scheduler: true });
    try {
      const sku = `${timed.tag}-timed`;
      await seedProducts(timed, [{ sku, price: '1.00', stock: 3 }]);
      const s = new Shopper(timed);
      const id = await s.createBasket();
      await s.addItems(id, [{ product_id: sku, quantity: 3 }]);
      expect(await stockOf(timed, sku)).toMatchObject({ reserved: 3, available: 0 });
      const doc = await eventually(async () => {
        const d = (await s.get(id)).json();
        return d.inventory_reservation_expiry === null ? d : undefined;
      }, 10_000);
      expect((await s.get(id)).headers.etag).toBe('"3"');
      expect(itemFlashes(doc)).toEqual([]);
      expect(await stockOf(timed, sku)).toMatchObject({ reserved: 0, available: 3 });
      const { rows } = await sql<{ kind: string; owner_id: string }>`select kind, owner_id from mutations where basket_id = ${id} order by finished_at`.execute(
        timed.res.db,
      );
      expect(rows.at(-1)).toEqual({ kind: 'expire_reservations', owner_id: 'system' });
    } finally {
      await timed.close();
    }
  });
});

describe('a random mix under concurrency', () => {
  it('keeps reserved equal to the sum of reservations and never above on-hand', async () => {
    const skus = [0, 1, 2].map((i) => `${h.tag}-mix${i}`);
    await seedProducts(
      h,
      skus.map((sku, i) => ({ sku, price: '1.50', stock: 20 + i * 10 })),
    );
    const shoppers = Array.from({ length: 25 }, () => new Shopper(h));
    const baskets = await Promise.all(shoppers.map((s) => s.createBasket()));
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const actions = shoppers.map(async (s, i) => {
      const id = baskets[i]!;
      for (let step = 0; step < 12; step++) {
        const doc = (await s.get(id)).json();
        if (doc.fault) return;
        const roll = rand(10);
        if (roll < 6) await s.addItems(id, [{ product_id: skus[rand(3)]!, quantity: 1 + rand(4) }]);
        else if (roll < 8 && doc.product_items.length) await s.setQuantity(id, doc.product_items[rand(doc.product_items.length)].item_id, rand(5));
        else if (roll < 9 && doc.product_items.length) await s.request('DELETE', `${OCAPI}/baskets/${id}/items/${doc.product_items[0].item_id}`);
        else if (step > 8) await s.request('DELETE', `${OCAPI}/baskets/${id}`);
      }
    });
    await Promise.all(actions);
    const rows = await expectReservedMatchesRows(h, skus);
    for (const r of rows) expect(r.reserved).toBeLessThanOrEqual(r.on_hand);
    // And every active basket's held units match its lines (nothing held for a line that is gone).
    const { rows: mismatched } = await sql<{ n: number }>`
      select count(*)::int as n from reservations r
      where r.sku = any(${skus}::text[]) and r.quantity > coalesce((select sum(l.quantity) from basket_lines l where l.basket_id = r.basket_id and l.sku = r.sku), 0)`.execute(
      h.res.db,
    );
    expect(mismatched[0]!.n).toBe(0);
  });
});
