/**
 * What a worker keeps between mutations (issue #17, the read side): reference data tagged with
 * `reference_version`, and the baskets it last read or wrote tagged with pk and version. The read statement
 * is told what is held and returns only what differs, so every change by anyone else — an admin change, a
 * direct SQL write, another writer of the basket — is seen by the very next mutation, and a held value
 * that is no longer current never reaches an applied result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { applyMutationJob, type ApplyDeps } from '../../src/application/apply-mutation.js';
import { loadMutationState, type MutationState, type MutationStateCache } from '../../src/persistence/basket.repository.js';
import { HeldBaskets } from '../../src/persistence/held-baskets.js';
import { ReferenceCache } from '../../src/persistence/reference-cache.js';
import { codesInvolved, skusInvolved, type MutationCommand } from '../../src/domain/mutations.js';
import { CONTRACT_FORMAT, type MutationJob } from '../../src/contracts/mutation-job.js';
import type { BasketSnapshot } from '../../src/contracts/basket-snapshot.js';
import { seedProducts, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let tag: string;
beforeAll(async () => {
  h = await startHarness({}, { workers: false });
  tag = h.tag;
  await seedProducts(h, [
    { sku: `${tag}-a`, price: '1.10' },
    { sku: `${tag}-b`, price: '2.50' },
    { sku: `${tag}-c`, price: '0.99' },
  ]);
});
afterAll(async () => h?.close());

interface ReadRow {
  basket_current: boolean;
  reference_current: boolean;
  lines: unknown[] | null;
  catalog: { sku: string }[];
  shipping_methods: unknown[] | null;
  promotions: { code: string; kind: string }[];
}

/** Every row `read_mutation_state` answered, in order (the pool below records them). */
const reads: ReadRow[] = [];
const lastRead = () => reads[reads.length - 1]!;

function recordingPool(): ApplyDeps['pool'] {
  const pool = h.res.pool;
  return {
    query: (async (config: { name?: string }, values?: unknown[]) => {
      const result = await pool.query(config as never, values as never);
      if (typeof config === 'object' && config.name?.startsWith('read_mutation_state')) reads.push(result.rows[0] as unknown as ReadRow);
      return result;
    }) as never,
    connect: (() => pool.connect()) as never,
  };
}

const newCache = (baskets = 4096, entries = 20_000): MutationStateCache => ({ baskets: new HeldBaskets(baskets), reference: new ReferenceCache(entries) });
const deps = (stateCache?: MutationStateCache): ApplyDeps => ({
  db: h.res.db,
  pool: recordingPool(),
  limits: { maxLineQuantity: 999, maxLines: 50 },
  reservationTtlSeconds: 600,
  now: () => new Date(),
  ...(stateCache ? { stateCache } : {}),
});
const job = (basketId: string, command: MutationCommand, ownerId = 'owner-1'): MutationJob => ({
  format: CONTRACT_FORMAT,
  mutationId: randomUUID(),
  basketId,
  ownerId,
  role: 'customer',
  command,
  idempotencyKey: null,
  requestHash: null,
  enqueuedAt: new Date().toISOString(),
  replyTo: null,
});

async function apply(cache: MutationStateCache | undefined, basketId: string, command: MutationCommand): Promise<BasketSnapshot> {
  const { outcome } = await applyMutationJob(deps(cache), job(basketId, command));
  if (outcome.status !== 'applied') throw new Error(`${command.kind} not applied: ${JSON.stringify(outcome)}`);
  return outcome.snapshot as BasketSnapshot;
}
const create = (cache: MutationStateCache | undefined, id = randomUUID()) =>
  apply(cache, id, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }).then(() => id);
const add = (cache: MutationStateCache | undefined, id: string, sku: string, quantity = 1) =>
  apply(cache, id, { kind: 'add_items', items: [{ sku, quantity }] });

describe('reference data held by a worker', () => {
  it('is used while current, and an admin change of a price, a method, a promotion or the site is seen by the next mutation', async () => {
    const cache = newCache();
    const a = `${tag}-a`;
    const id = await create(cache);
    expect((await add(cache, id, a)).totals.productSubTotal).toBe('1.10');
    await add(cache, id, a);
    // Steady state: nothing but the stock views and the record check comes back.
    expect(lastRead()).toMatchObject({ basket_current: true, reference_current: true, lines: null, catalog: [], shipping_methods: null, promotions: [] });

    await sql`update prices set price = 2.00 where sku = ${a} and price_list = 'default'`.execute(h.res.db);
    expect((await add(cache, id, a)).totals.productSubTotal).toBe('6.00');
    expect(lastRead()).toMatchObject({ basket_current: true, reference_current: false });
    expect(lastRead().catalog.map((c) => c.sku)).toEqual([a]);

    await sql`insert into shipping_methods (site_id, id, name, price, tax_rate) values ('default', ${`${tag}-ship`}, 'Ship', 5, 0)`.execute(h.res.db);
    expect((await apply(cache, id, { kind: 'set_shipping_method', shipmentId: 'me', methodId: `${tag}-ship` })).totals.shippingTotal).toBe('5.00');
    await add(cache, id, a);
    expect(lastRead()).toMatchObject({ reference_current: true });
    await sql`update shipping_methods set price = 7 where id = ${`${tag}-ship`}`.execute(h.res.db);
    expect((await add(cache, id, a)).totals.shippingTotal).toBe('7.00');

    await sql`insert into promotions (code, kind, site_id, name, discount_type, discount_value) values (${`${tag}-half`}, 'campaign', 'default', 'Half', 'percentage', 50)`.execute(
      h.res.db,
    );
    const discounted = await add(cache, id, a);
    expect(discounted.totals.productSubTotal).toBe('12.00');
    expect(discounted.totals.productTotal).toBe('6.00');
    await sql`update promotions set enabled = false where code = ${`${tag}-half`}`.execute(h.res.db);
    expect((await add(cache, id, a)).totals.productTotal).toBe('14.00');

    await sql`update sites set taxation = 'net' where id = 'default'`.execute(h.res.db);
    try {
      expect((await add(cache, id, a)).taxation).toBe('net');
    } finally {
      await sql`update sites set taxation = 'gross' where id = 'default'`.execute(h.res.db);
    }
    expect((await add(cache, id, a)).taxation).toBe('gross');
  });

  it('an unknown SKU or code is held as unknown only until one is created', async () => {
    const cache = newCache();
    const id = await create(cache);
    const late = `${tag}-late`;
    const code = `${tag}-late-code`;
    const refused = await applyMutationJob(deps(cache), job(id, { kind: 'add_items', items: [{ sku: late, quantity: 1 }] }));
    expect(refused.outcome.status).toBe('rejected');
    const withCoupon = await apply(cache, id, { kind: 'add_coupon', code });
    expect(withCoupon.coupons?.[0]).toMatchObject({ valid: false });
    await add(cache, id, `${tag}-b`);
    expect(lastRead()).toMatchObject({ reference_current: true, promotions: [] });

    await sql`insert into products (sku, name, tax_rate) values (${late}, 'Late', 0.2)`.execute(h.res.db);
    await sql`insert into prices (price_list, sku, price) values ('default', ${late}, 3.00)`.execute(h.res.db);
    await sql`insert into stocks (stock_list, sku, on_hand) values ('default', ${late}, 100)`.execute(h.res.db);
    await sql`insert into promotions (code, kind, name, discount_type, discount_value) values (${code.toUpperCase()}, 'coupon', 'Late', 'amount', 1)`.execute(
      h.res.db,
    );
    const after = await add(cache, id, late);
    expect(after.lines.map((l) => l.sku)).toContain(late);
    expect(after.coupons?.[0]).toMatchObject({ valid: true });
    expect(after.totals.productTotal).toBe('4.50');
  });
});

describe('baskets held by a worker', () => {
  it('a basket another writer changed (version bumped) is read again, lines and columns', async () => {
    const cache = newCache();
    const id = await create(cache);
    await add(cache, id, `${tag}-a`);
    await add(cache, id, `${tag}-a`);
    expect(lastRead()).toMatchObject({ basket_current: true });
    await sql`update baskets set version = version + 1, custom = '{"c_note": "by another writer"}' where id = ${id}`.execute(h.res.db);
    await sql`update basket_lines set quantity = 5 where basket_id = ${id}`.execute(h.res.db);
    const after = await add(cache, id, `${tag}-a`);
    expect(lastRead()).toMatchObject({ basket_current: false });
    expect(after.version).toBe(5);
    expect(after.lines[0]!.quantity).toBe(6);
    expect(after.custom).toEqual({ c_note: 'by another writer' });
    await add(cache, id, `${tag}-a`);
    expect(lastRead()).toMatchObject({ basket_current: true });
  });

  it('a basket created again under the same id (a new pk, the same version) is read again', async () => {
    const cache = newCache();
    const id = await create(cache);
    await add(cache, id, `${tag}-a`);
    await add(cache, id, `${tag}-a`);
    const [{ pk }] = (await sql<{ pk: string }>`update baskets set pk = default where id = ${id} returning pk`.execute(h.res.db)).rows as [{ pk: string }];
    const after = await add(cache, id, `${tag}-a`);
    expect(lastRead()).toMatchObject({ basket_current: false });
    expect(after.pk).toBe(Number(pk));
  });

  it('a failed write holds nothing: the retry reads the basket again', async () => {
    const cache = newCache();
    const id = await create(cache);
    await add(cache, id, `${tag}-a`);
    expect(cache.baskets.hold(id)).not.toBeNull();
    // The write's version guard fails: another writer moved the basket between this read and its write.
    const racing: ApplyDeps = {
      ...deps(cache),
      pool: {
        query: (async (config: { name?: string }, values?: unknown[]) => {
          if (typeof config === 'object' && config.name?.startsWith('write_basket_update')) {
            await sql`update baskets set version = version + 1 where id = ${id}`.execute(h.res.db);
          }
          return h.res.pool.query(config as never, values as never);
        }) as never,
        connect: (() => h.res.pool.connect()) as never,
      },
    };
    await expect(applyMutationJob(racing, job(id, { kind: 'add_items', items: [{ sku: `${tag}-a`, quantity: 1 }] }))).rejects.toThrow(
      /changed since it was read/,
    );
    expect(cache.baskets.hold(id)).toBeNull();
    const after = await add(cache, id, `${tag}-a`);
    expect(after.version).toBe(4);
    expect(after.lines[0]!.quantity).toBe(2);
  });

  it('are bounded: past the capacity the least recently used is dropped (and read again when next changed)', async () => {
    expect(() => new HeldBaskets(0)).toThrow(/positive integer/);
    const cache = newCache(2);
    const [x, y, z] = [await create(cache), await create(cache), await create(cache)];
    for (const id of [x, y, z]) await add(cache, id, `${tag}-c`);
    expect(cache.baskets.size).toBe(2);
    expect(cache.baskets.hold(x)).toBeNull();
    await add(cache, z, `${tag}-c`);
    expect(lastRead()).toMatchObject({ basket_current: true });
    const again = await add(cache, x, `${tag}-c`);
    expect(lastRead()).toMatchObject({ basket_current: false });
    expect(again.lines[0]!.quantity).toBe(2);
    expect(cache.baskets.size).toBe(2);
    // y was the least recently used when x came back.
    expect(cache.baskets.hold(y)).toBeNull();
  });
});

/** A state in comparable form: JSON text (key order counts: a held basket must render as a re-read one), maps sorted. */
function comparable(s: MutationState): unknown {
  const sorted = <T>(xs: Iterable<T>, key: (x: T) => string) => [...xs].sort((p, q) => (key(p) < key(q) ? -1 : key(p) > key(q) ? 1 : 0));
  return JSON.parse(
    JSON.stringify({
      basket: JSON.stringify(s.basket),
      pk: s.pk,
      site: s.site,
      recorded: s.recorded,
      catalog: JSON.stringify(sorted(s.catalog.entries(), ([k]) => k)),
      stock: sorted([...s.stock].flatMap(([list, views]) => [...views.values()].map((x) => ({ list, ...x }))), (x) => `${x.list} ${x.sku}`),
      shippingMethods: JSON.stringify(sorted(s.shippingMethods.values(), (m) => m.id)),
      paymentMethods: JSON.stringify(sorted(s.paymentMethods.values(), (m) => m.id)),
      promotions: JSON.stringify(sorted(s.promotions, (p) => p.code)),
    }),
  );
}

/** Small seeded PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a held value never leaks into a result', () => {
  it('property: mutations interleaved with admin changes and other writers read exactly what a worker holding nothing reads', async () => {
    const seed = Number(process.env.STATE_CACHE_SEED ?? 17);
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    // Tiny bounds, so eviction and the per-site restart happen too.
    const cache = newCache(2, 3);
    const skus = [`${tag}-a`, `${tag}-b`, `${tag}-c`, `${tag}-p-new`];
    const codes = [`${tag}-P1`, `${tag}-p1`, `${tag}-P2`, `${tag}-none`];
    await sql`insert into promotions (code, kind, name, discount_type, discount_value) values (${`${tag}-P1`}, 'coupon', 'P1', 'amount', 0.5)`.execute(
      h.res.db,
    );
    await sql`insert into promotions (code, kind, site_id, name, enabled, discount_type, discount_value, priority)
              values (${`${tag}-camp`}, 'campaign', 'default', 'Camp', false, 'percentage', 10, 1)`.execute(h.res.db);
    await sql`insert into shipping_methods (site_id, id, name, price, tax_rate) values ('default', ${`${tag}-m1`}, 'M1', 4, 0.1)`.execute(h.res.db);
    const baskets = [await create(cache), await create(cache), await create(cache)];
    const admin: (() => Promise<unknown>)[] = [
      () => sql`update prices set price = ${(1 + Math.floor(rnd() * 400) / 100).toFixed(2)} where sku = ${pick(skus)}`.execute(h.res.db),
      () =>
        rnd() < 0.5
          ? sql`insert into products (sku, name, tax_rate) values (${`${tag}-p-new`}, 'New', 0.1) on conflict do nothing`
              .execute(h.res.db)
              .then(() => sql`insert into prices (price_list, sku, price) values ('default', ${`${tag}-p-new`}, 9.99) on conflict do nothing`.execute(h.res.db))
          : sql`delete from prices where sku = ${`${tag}-p-new`}`
              .execute(h.res.db)
              .then(() => sql`update products set online = not online where sku = ${`${tag}-p-new`}`.execute(h.res.db)),
      () => sql`update promotions set enabled = not enabled, discount_value = ${1 + Math.floor(rnd() * 30)} where code = ${`${tag}-camp`}`.execute(h.res.db),
      () =>
        rnd() < 0.5
          ? sql`insert into promotions (code, kind, name, discount_type, discount_value) values (${`${tag}-P2`}, 'coupon', 'P2', 'percentage', 5) on conflict do nothing`.execute(
              h.res.db,
            )
          : sql`delete from promotions where code = ${`${tag}-P2`}`.execute(h.res.db),
      () => sql`update promotions set redeemed = redeemed + 1, redemption_limit = 3 where code = ${`${tag}-P1`}`.execute(h.res.db),
      () => sql`update shipping_methods set price = ${Math.floor(rnd() * 10)} where id = ${`${tag}-m1`}`.execute(h.res.db),
      () => sql`update payment_methods set enabled = not enabled where site_id = 'default'`.execute(h.res.db),
      () => sql`update sites set rounding_mode = case rounding_mode when 'half_up' then 'half_even' else 'half_up' end where id = 'default'`.execute(h.res.db),
      () => sql`update baskets set version = version + 1, custom = custom || '{"c_other": 1}' where id = ${pick(baskets)}`.execute(h.res.db),
    ];
    const commands: ((id: string) => MutationCommand)[] = [
      () => ({ kind: 'add_items', items: [{ sku: pick(skus), quantity: 1 + Math.floor(rnd() * 3), custom: { c_zz: 1, c_a: { y: 1, b: [2] } } }] }),
      () => ({ kind: 'add_items', items: [{ sku: pick(skus), quantity: 1, attributes: { size: 'L', colour: 'blue', a: 1 } }] }),
      () => ({ kind: 'add_coupon', code: pick(codes) }),
      () => ({ kind: 'set_shipping_method', shipmentId: 'me', methodId: `${tag}-m1` }),
      () => ({ kind: 'update_basket', custom: { c_longer_name: rnd(), c_b: 'x', c_aa: null }, expectedVersion: null }),
      () => ({ kind: 'set_offer_codes', externalOfferCode: pick([...codes, null]) }),
      () => ({ kind: 'recalculate' }),
    ];
    let warm = 0;
    let cold = 0;
    try {
      for (let step = 0; step < 80; step++) {
        if (rnd() < 0.35) await pick(admin)();
        const id = pick(baskets);
        const command = pick(commands)(id);
        const q = {
          basketId: id,
          mutationId: randomUUID(),
          createSiteId: null,
          skus: skusInvolved(null, command),
          codes: codesInvolved(command),
          now: new Date(),
        };
        const held = await loadMutationState(recordingPool(), q, cache);
        const read = lastRead();
        if (read.basket_current && read.reference_current) warm++;
        else cold++;
        expect(comparable(held), `seed ${seed}, step ${step}, ${command.kind}`).toEqual(comparable(await loadMutationState(h.res.pool, q)));
        const j = { ...job(id, command), role: command.kind === 'recalculate' ? ('agent' as const) : ('customer' as const) };
        await applyMutationJob(deps(cache), j);
      }
    } finally {
      await sql`update sites set rounding_mode = 'half_up' where id = 'default'`.execute(h.res.db);
      await sql`update payment_methods set enabled = true where site_id = 'default'`.execute(h.res.db);
    }
    // Both paths ran: reads answered from what was held, and reads that found it stale.
    expect(warm).toBeGreaterThan(5);
    expect(cold).toBeGreaterThan(5);
  });
});
