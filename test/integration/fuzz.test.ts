/**
 * Property-based fuzzing of every write route in the service's own OpenAPI document (OCAPI, SCAPI,
 * Akinon, admin, native): bodies that follow each route's schema, the same with one part broken, and
 * junk (wrong types, boundary numbers, lone surrogates, NUL, deep nesting, prototype keys, huge
 * strings, duplicate keys and ids), with real and random path ids. At least 10,000 requests per run:
 * no answer is ≥ 500, and a rejected request (4xx) changes nothing — this file's baskets (versions,
 * statuses, lines), its product's stock (on hand, reserved), and the admin rows under its own names.
 * Redis stays within a bound (keys under the prefix, no failed job).
 * FUZZ_SEED reproduces a run; FUZZ_RUNS changes its size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { bodyText, type JsonSchema } from '../support/schema-fuzz.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];

let h: Harness;
let sku: string;
let pk: number;
let customer: Shopper;
let agent: Shopper;
/** A guest whose token a transfer or merge may present (X-Guest-Authorization). */
let guest: Shopper;
/** Names of admin rows this file may create (sites, lists, promotions): never another test's. */
let fz: string;
const ids = { basket: '', item: '', coupon: '', instrument: '', adjustment: '' };

interface Route {
  readonly method: string;
  readonly path: string;
  readonly schema: JsonSchema | undefined;
}

beforeAll(async () => {
  h = await startHarness({ SYNC_WAIT_MS: '30000', MAX_ACTIVE_BASKETS: '1000' });
  fz = `fz${h.tag}`;
  sku = `${h.tag}-fz`;
  await seedProducts(h, [{ sku, price: '4.00', stock: 1000 }]);
  pk = (await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku, name: 'Fz', tax_rate: '0.2' }] } })).json().products[0].pk;
  customer = new Shopper(h, `fuzz-${h.tag}`);
  agent = new Shopper(h, `fuzz-agent-${h.tag}`, 'agent');
  guest = new Shopper(h, `fuzz-guest-${h.tag}`);
  await freshBasket();
}, 120_000);
afterAll(async () => h?.close());

/** The basket the fuzz works on, with one of everything a path can name. */
async function freshBasket(): Promise<void> {
  ids.basket = await customer.createBasket();
  const added = await customer.addItems(ids.basket, [{ product_id: sku, quantity: 2 }]);
  ids.item = added.json().product_items[0].item_id;
  const coupon = await customer.request('POST', `${OCAPI}/baskets/${ids.basket}/coupons`, { code: `${fz}-none` });
  ids.coupon = coupon.json().coupon_items?.[0]?.coupon_item_id ?? 'none';
  const pi = await customer.request('POST', `${OCAPI}/baskets/${ids.basket}/payment_instruments`, { payment_method_id: 'CREDIT_CARD', payment_card: { card_type: 'Visa' } });
  ids.instrument = pi.json().payment_instruments?.[0]?.payment_instrument_id ?? 'none';
  const adj = await agent.request('POST', `${OCAPI}/baskets/${ids.basket}/price_adjustments`, { level: 'order', discount: { type: 'amount', value: 1 } });
  ids.adjustment = adj.json().order_price_adjustments?.[0]?.price_adjustment_id ?? 'none';
}

const known = () => [sku, pk, ids.item, ids.basket, ids.coupon, ids.instrument, ids.adjustment, 'me', 'default', 'CREDIT_CARD', 'Visa', 'US', 'a@b.co', 'USD', `${fz}-site`, `${fz}-list`, 1, 2, 0];

/** A path parameter: mostly the real id it names, sometimes another, random or hostile. */
function paramArb(name: string, admin: boolean): fc.Arbitrary<string> {
  const hostile = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('..', '%00', '\u0000', '\ud800', 'x'.repeat(300), randomUUID(), '0', '-1'));
  if (admin) return fc.oneof(fc.constantFrom(`${fz}-site`, `${fz}-list`, `${fz}-promo`, `${fz}-m`), fc.string({ minLength: 1, maxLength: 12 }).map((s) => `${fz}-${s}`));
  const real: Record<string, () => string> = {
    site_id: () => 'default',
    organizationId: () => 'f_ecom_fuzz',
    basket_id: () => ids.basket,
    basketId: () => ids.basket,
    item_id: () => ids.item,
    itemId: () => ids.item,
    coupon_item_id: () => ids.coupon,
    couponItemId: () => ids.coupon,
    payment_instrument_id: () => ids.instrument,
    paymentInstrumentId: () => ids.instrument,
    price_adjustment_id: () => ids.adjustment,
    priceAdjustmentId: () => ids.adjustment,
    shipment_id: () => 'me',
    shipmentId: () => 'me',
  };
  const pick = real[name];
  return pick ? fc.oneof({ weight: 6, arbitrary: fc.constant(null).map(() => pick()) }, { weight: 1, arbitrary: hostile }) : hostile;
}

function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return 'x%ED%A0%80'; // a lone surrogate cannot be encoded as UTF-8: send its bytes as text would
  }
}

interface Case {
  readonly url: string;
  readonly method: string;
  readonly body: string | undefined;
  readonly headers: Record<string, string>;
}

function caseArb(route: Route): fc.Arbitrary<Case> {
  const admin = route.path.startsWith('/admin');
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((n) => paramArb(n, admin)));
  const who = admin
    ? fc.constantFrom<Record<string, string>>(h.adminHeaders, h.adminHeaders, h.adminHeaders, {}, customer.headers)
    : fc.constantFrom<Record<string, string>>(customer.headers, customer.headers, customer.headers, agent.headers, agent.headers, {}, { authorization: 'Bearer x.y.z' });
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        { 'idempotency-key': 'x'.repeat(300) },
        { 'idempotency-key': 'bad key' },
        { 'if-none-match': '"abc"' },
        // A transfer or merge names the guest it takes a basket from.
        { 'x-guest-authorization': guest.headers.authorization ?? '' },
        { 'x-guest-authorization': 'Bearer x.y.z' },
      ),
    },
  );
  return fc.tuple(params, bodyText(route.schema, known), who, extra).map(([values, body, auth, more]) => {
    let path = route.path;
    names.forEach((n, i) => (path = path.replace(`{${n}}`, encodeSegment(values[i]!))));
    const scapi = path.startsWith('/checkout/');
    return {
      url: scapi ? `${path}?siteId=default` : path,
      method: route.method.toUpperCase(),
      body: adminSafe(route.path, body),
      headers: { ...auth, ...more, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    };
  });
}

/**
 * Admin writes that would reach beyond this file's own rows are pinned to them: a promotion for every
 * site would discount other tests' baskets, and a recalculation would queue their mutations.
 */
function adminSafe(path: string, body: string | undefined): string | undefined {
  if (body === undefined || (!path.startsWith('/admin/promotions/{code}') && path !== '/admin/baskets/recalculate') || path.endsWith('/redemptions')) return body;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return body;
  const pinned = path === '/admin/baskets/recalculate' ? { ...value, sites: [`${fz}-site`], skus: [sku] } : { ...value, site: `${fz}-site` };
  return JSON.stringify(pinned);
}

/** Waits until no lane has a job waiting or running (what an accepted 202 queued has been applied). */
async function lanesIdle(): Promise<void> {
  for (;;) {
    const counts = await Promise.all(h.api.lanes.all().map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Everything a rejected request must leave alone, in one statement. */
async function fingerprint(): Promise<string> {
  const owners = [customer.sub, agent.sub];
  const { rows } = await sql<{ f: string }>`
    select concat_ws('|',
      (select string_agg(id || ':' || version || ':' || status, ',' order by id) from baskets where owner_id = any(${owners})),
      (select string_agg(l.basket_id || ':' || l.sku || ':' || l.quantity, ',' order by l.basket_id, l.sku) from basket_lines l join baskets b on b.id = l.basket_id where b.owner_id = any(${owners})),
      (select string_agg(stock_list || ':' || on_hand || ':' || reserved, ',' order by stock_list) from stocks where sku = ${sku}),
      (select md5(string_agg(t::text, ',' order by t.code)) from promotions t where starts_with(t.code, ${fz}) or starts_with(upper(t.code), upper(${fz}))),
      (select md5(string_agg(t::text, ',' order by t.id)) from sites t where starts_with(t.id, ${fz})),
      (select md5(string_agg(t::text, ',' order by t.site_id, t.id)) from shipping_methods t where starts_with(t.site_id, ${fz})),
      (select md5(string_agg(t::text, ',' order by t.site_id, t.id)) from payment_methods t where starts_with(t.site_id, ${fz})),
      (select md5(string_agg(t::text, ',' order by t.sku)) from prices t where starts_with(t.price_list, ${fz})),
      (select md5(string_agg(t::text, ',' order by t.sku)) from stocks t where starts_with(t.stock_list, ${fz}))
    ) as f`.execute(h.res.db);
  return rows[0]!.f;
}

describe('fuzzing every write route from the OpenAPI document', () => {
  it(`answers ${RUNS} generated requests without a 5xx, and rejected ones change nothing`, async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> };
    const routes: Route[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => WRITE_METHODS.includes(m))
        .map(([method, op]) => ({ method, path, schema: op.requestBody?.content?.['application/json']?.schema })),
    );
    const dialects = new Set(routes.map((r) => (r.path.startsWith('/s/') ? 'ocapi' : r.path.startsWith('/checkout/') ? 'scapi' : r.path.startsWith('/baskets/') ? 'akinon' : r.path.startsWith('/admin') ? 'admin' : 'native')));
    expect([...dialects].sort()).toEqual(['admin', 'akinon', 'native', 'ocapi', 'scapi']);
    // Shopper Baskets v2 (PWA Kit) and its transfer are write routes too; streams and histories are reads (GET).
    expect(routes.some((r) => r.path.includes('/shopper-baskets/v2/'))).toBe(true);
    expect(routes.some((r) => r.path.endsWith('/baskets/actions/transfer'))).toBe(true);
    expect(routes.filter((r) => r.path.endsWith('/events') || r.path.endsWith('/mutations'))).toEqual([]);

    const cases = fc.oneof(...routes.map(caseArb));
    const serverErrors: string[] = [];
    const changedByRejected: string[] = [];
    const statuses = new Map<number, number>();
    let run = 0;
    let injectMs = 0;
    let printMs = 0;
    let before = await fingerprint();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        run++;
        const t0 = performance.now();
        const r = await h.app.inject({ method: c.method as 'POST', url: c.url, headers: c.headers, ...(c.body !== undefined ? { payload: c.body } : {}) });
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode >= 500) serverErrors.push(`${c.method} ${c.url} ${c.body?.slice(0, 300)} → ${r.statusCode} ${r.body.slice(0, 300)}`);
        const t1 = performance.now();
        injectMs += t1 - t0;
        if (r.statusCode === 202) await lanesIdle();
        const after = await fingerprint();
        printMs += performance.now() - t1;
        if (r.statusCode >= 400 && after !== before) changedByRejected.push(`${c.method} ${c.url} ${c.body?.slice(0, 300)} → ${r.statusCode}`);
        before = after;
        // Deleted, or absorbed by a transfer or merge: the next cases work on a fresh basket.
        if (r.statusCode < 300 && (await h.res.db.selectFrom('baskets').select('status').where('id', '=', ids.basket).executeTakeFirst())?.status !== 'active') {
          await freshBasket();
          before = await fingerprint();
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    const failed = await Promise.all(h.api.lanes.all().map((q) => q.getFailedCount()));
    let keys = 0;
    let cursor = '0';
    do {
      const [next, found] = await h.res.redis.scan(cursor, 'MATCH', `${h.config.REDIS_PREFIX}:*`, 'COUNT', 1000);
      keys += found.length;
      cursor = next;
    } while (cursor !== '0');
    console.warn(
      `fuzz (seed ${SEED}): ${run} requests over ${routes.length} write routes in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ` +
        `requests ${Math.round(injectMs)} ms, checks ${Math.round(printMs)} ms; 5xx ${serverErrors.length}; rejected-but-changed ${changedByRejected.length}; Redis keys under the prefix ${keys}`,
    );
    expect(run).toBeGreaterThanOrEqual(RUNS);
    expect(serverErrors.slice(0, 10)).toEqual([]);
    expect(changedByRejected.slice(0, 10)).toEqual([]);
    expect(failed.reduce((a, b) => a + b, 0)).toBe(0);
    // Tickets, snapshots, lanes' bounded job history, rate-limit and pending keys: far below this.
    expect(keys).toBeLessThan(RUNS);
  }, 600_000);
});
