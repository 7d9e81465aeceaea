/**
 * An add whose reply is lost (a failover, a dropped connection) may still have queued its job. A 503
 * must mean "not applied": the accept looks for the job before answering, so an add that ran is answered
 * as queued (and applied once), and only one that did not run is answered 503, with nothing applied.
 * The lost reply is simulated on the real lanes: the add runs against Redis, then its caller sees an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createBaskets, OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-lost-reply`;
  await seedProducts(h, [{ sku, price: '2.00' }]);
});
afterAll(async () => h?.close());

/** Runs `body` with the API's lane adds failing after (`ran`) or instead of (`!ran`) the real add. */
async function withFailingAdds<T>(ran: boolean, body: () => Promise<T>): Promise<T> {
  const lanes = h.api.lanes;
  const real = lanes.addTo.bind(lanes);
  lanes.addTo = async (lane, job) => {
    if (ran) await real(lane, job);
    throw new Error('Connection is closed.');
  };
  try {
    return await body();
  } finally {
    lanes.addTo = real;
  }
}

const quantityOf = async (basketId: string) =>
  (await sql<{ q: number }>`select coalesce(sum(quantity), 0)::int as q from basket_lines where basket_id = ${basketId}`.execute(h.res.db)).rows[0]!.q;

describe('an add whose reply is lost', () => {
  it('that ran is answered as applied (synchronously) or queued (202), never 503, and applied once', async () => {
    const shopper = new Shopper(h, 'lost-reply-ran');
    const [id] = (await createBaskets(shopper, 1)) as [string];
    const sync = await withFailingAdds(true, () => shopper.addItems(id, [{ product_id: sku, quantity: 1 }]));
    expect(sync.statusCode, sync.body).toBe(200);
    expect(sync.json().product_items[0].quantity).toBe(1);
    const async = await withFailingAdds(true, () => shopper.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' }));
    expect(async.statusCode, async.body).toBe(202);
    await expect.poll(() => quantityOf(id), { timeout: 10_000 }).toBe(2);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from mutations where basket_id = ${id} and kind = 'add_items'`.execute(h.res.db);
    expect(rows[0]!.n).toBe(2);
  });

  it('that did not run is answered 503 and changes nothing', async () => {
    const shopper = new Shopper(h, 'lost-reply-not-ran');
    const [id] = (await createBaskets(shopper, 1)) as [string];
    const before = await shopper.request('GET', `${OCAPI}/baskets/${id}`);
    const r = await withFailingAdds(false, () => shopper.addItems(id, [{ product_id: sku, quantity: 1 }]));
    expect(r.statusCode, r.body).toBe(503);
    await new Promise((res) => setTimeout(res, 500));
    expect(await quantityOf(id)).toBe(0);
    const after = await shopper.request('GET', `${OCAPI}/baskets/${id}`);
    expect(after.headers.etag).toBe(before.headers.etag);
  });
});
