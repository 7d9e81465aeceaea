/**
 * Limits no client can get around: per-client rate limits shared by every API process (429 +
 * Retry-After in each dialect's shape), a stricter limit on minting identities (guest tokens,
 * cookie-less Akinon requests), active baskets per customer, and backpressure per basket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sql } from 'kysely';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { createApi, type ApiProcess } from '../../src/bootstrap/api-process.js';
import { createMutationWorkers, type WorkerProcess } from '../../src/bootstrap/worker-process.js';

const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
let h: Harness;
let second: ApiProcess;
let workers: WorkerProcess | null = null;
let sku: string;
let pk: number;

beforeAll(async () => {
  h = await startHarness(
    { RATE_LIMIT_MAX: '20', RATE_LIMIT_NEW_IDENTITY_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000', MAX_ACTIVE_BASKETS: '3', MAX_QUEUED_PER_BASKET: '5' },
    { workers: false },
  );
  // A second API process on the same Redis and prefix: the limits are theirs together.
  second = await createApi(h.config, h.res, pino({ level: 'silent' }));
  await second.app.ready();
  sku = `${h.tag}-lim`;
  await seedProducts(h, [{ sku, price: '1.00' }]);
  pk = (await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku, name: 'Lim', tax_rate: '0.2' }] } })).json().products[0].pk;
  workers = createMutationWorkers(h.config, h.res, pino({ level: 'silent' }));
});
afterAll(async () => {
  await workers?.close();
  await second?.close();
  await h?.close();
});

describe('per-client rate limit', () => {
  it('is shared by two API processes and answers 429 + Retry-After in each dialect', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const statuses: number[] = [];
    for (let i = 0; i < 19; i++) {
      const app = i % 2 === 0 ? h.app : second.app;
      statuses.push((await app.inject({ method: 'GET', url: `${OCAPI}/baskets/${id}`, headers: s.headers })).statusCode);
    }
    // 1 creation + 19 reads = the 20 allowed, over both processes.
    expect(statuses).toEqual(Array(19).fill(200));
    const ocapi = await second.app.inject({ method: 'GET', url: `${OCAPI}/baskets/${id}`, headers: s.headers });
    expect(ocapi.statusCode).toBe(429);
    expect(Number(ocapi.headers['retry-after'])).toBeGreaterThan(0);
    expect(ocapi.json().fault.type).toBe('TooManyRequestsException');
    const scapi = await h.app.inject({ method: 'POST', url: `${ORG}/baskets/${id}/items?siteId=default`, headers: s.headers, payload: [{ productId: sku, quantity: 1 }] });
    expect(scapi.statusCode).toBe(429);
    expect(scapi.headers['retry-after']).toBeDefined();
    expect(scapi.json()).toMatchObject({ title: 'Too Many Requests', detail: expect.stringMatching(/Too many requests/) });
    const akinon = await h.app.inject({ method: 'GET', url: '/baskets/basket/', headers: s.headers });
    expect(akinon.statusCode).toBe(429);
    expect(akinon.headers['retry-after']).toBeDefined();
    expect(akinon.json()).toEqual({ detail: expect.stringMatching(/Too many requests/) });
    // The refused write changed nothing; another client is not affected; health is never limited.
    const other = new Shopper(h);
    expect((await other.request('GET', `${OCAPI}/baskets/${id}`)).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/health', headers: s.headers })).statusCode).toBe(200);
    const { rows } = await sql<{ version: number }>`select version from baskets where id = ${id}`.execute(h.res.db);
    expect(rows[0]!.version).toBe(1);
  });

  it('limits minting identities per address: guest tokens and cookie-less Akinon requests', async () => {
    const from = (remoteAddress: string) => ({ remoteAddress });
    const guest = (ip: string) => h.app.inject({ method: 'POST', url: '/auth/guest', ...from(ip) });
    expect((await guest('10.0.0.1')).statusCode).toBe(200);
    expect((await guest('10.0.0.1')).statusCode).toBe(200);
    const add = (ip: string) => h.app.inject({ method: 'POST', url: '/baskets/basket/', payload: { product: pk, quantity: 1 }, ...from(ip) });
    expect((await add('10.0.0.1')).statusCode).toBe(200);
    const refused = await add('10.0.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.headers['set-cookie']).toBeUndefined();
    const token = await guest('10.0.0.1');
    expect(token.statusCode).toBe(429);
    expect(token.headers['content-type']).toMatch(/problem\+json/);
    expect(token.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // Another address is its own client.
    expect((await guest('10.0.0.2')).statusCode).toBe(200);
    // A guest with its session cookie is a client of its own, not a new identity.
    const first = await add('10.0.0.3');
    const cookie = (first.headers['set-cookie'] as string).split(';')[0]!;
    for (let i = 0; i < 4; i++) {
      const r = await h.app.inject({ method: 'GET', url: '/baskets/basket/', headers: { cookie }, ...from('10.0.0.3') });
      expect(r.statusCode).toBe(200);
    }
  });
});

describe('client addresses behind a proxy (TRUST_PROXY)', () => {
  it('counts per forwarded address only for trusted proxies; without it X-Forwarded-For is ignored (not spoofable)', async () => {
    const guest = (app: typeof h.app, forwardedFor: string, remoteAddress = '127.0.0.1') =>
      app.inject({ method: 'POST', url: '/auth/guest', headers: { 'x-forwarded-for': forwardedFor }, remoteAddress });
    const behindProxy = await createApi({ ...h.config, TRUST_PROXY: ['127.0.0.1'] }, h.res, pino({ level: 'silent' }));
    await behindProxy.app.ready();
    try {
      // Through the trusted proxy: each shopper's address is its own client (limit 3 each).
      for (let i = 0; i < 3; i++) expect((await guest(behindProxy.app, '192.0.2.1')).statusCode).toBe(200);
      expect((await guest(behindProxy.app, '192.0.2.1')).statusCode).toBe(429);
      expect((await guest(behindProxy.app, '192.0.2.2')).statusCode).toBe(200);
      // A peer that is not the trusted proxy cannot pick its address by header: it is counted as itself.
      for (let i = 0; i < 3; i++) expect((await guest(behindProxy.app, `198.51.100.${i}`, '203.0.113.9')).statusCode).toBe(200);
      expect((await guest(behindProxy.app, '198.51.100.99', '203.0.113.9')).statusCode).toBe(429);
      // Without TRUST_PROXY the header is ignored: every request from the proxy's address is one client.
      for (let i = 0; i < 3; i++) expect((await guest(h.app, `192.0.2.${10 + i}`, '203.0.113.10')).statusCode).toBe(200);
      expect((await guest(h.app, '192.0.2.20', '203.0.113.10')).statusCode).toBe(429);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('active baskets per customer', () => {
  it('are capped at MAX_ACTIVE_BASKETS (agents are not); deleting one makes room; a replayed creation is not refused', async () => {
    const s = new Shopper(h);
    const ids = [await s.createBasket(), await s.createBasket()];
    const keyed = await s.request('POST', `${OCAPI}/baskets`, {}, { 'idempotency-key': 'third' });
    expect(keyed.statusCode).toBe(200);
    const refused = await s.request('POST', `${OCAPI}/baskets`, {});
    expect(refused.statusCode).toBe(400);
    expect(refused.json().fault.type).toBe('CustomerBasketsQuotaExceededException');
    const scapi = await s.request('POST', `${ORG}/baskets?siteId=default`, {});
    expect(scapi.statusCode).toBe(400);
    expect(scapi.json().title).toBe('Customer Baskets Quota Exceeded');
    expect((await s.request('POST', `${OCAPI}/baskets`, {}, { 'idempotency-key': 'third' })).statusCode).toBe(200);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from baskets where owner_id = ${s.sub} and status = 'active'`.execute(h.res.db);
    expect(rows[0]!.n).toBe(3);
    expect((await s.request('DELETE', `${OCAPI}/baskets/${ids[0]}`)).statusCode).toBe(204);
    expect((await s.request('POST', `${OCAPI}/baskets`, {})).statusCode).toBe(200);

    const agent = new Shopper(h, 'agent-many', 'agent');
    for (let i = 0; i < 5; i++) await agent.createBasket();
  });
});

describe('backpressure per basket', () => {
  it('refuses a basket more than MAX_QUEUED_PER_BASKET queued mutations with 429 + Retry-After, and not its neighbours', async () => {
    const s = new Shopper(h, 'agent-flood', 'agent');
    const [flooded, neighbour] = [await s.createBasket(), await s.createBasket()];
    // No worker: what is accepted stays queued.
    await workers!.close();
    workers = null;
    const add = (id: string) => s.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await add(flooded)).statusCode);
    expect(codes).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    const busy = await add(flooded);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json().fault).toMatchObject({ type: 'TooManyRequestsException', message: expect.stringMatching(/too many changes waiting/) });
    expect((await add(neighbour)).statusCode).toBe(202);

    // Once the worker drains the basket, it takes writes again; only the 5 accepted were applied.
    workers = createMutationWorkers(h.config, h.res, pino({ level: 'silent' }));
    const deadline = Date.now() + 20_000;
    const quantity = async () => (await sql<{ q: number }>`select quantity as q from basket_lines where basket_id = ${flooded}`.execute(h.res.db)).rows[0]?.q;
    while (Date.now() < deadline && (await quantity()) !== 5) await new Promise((r) => setTimeout(r, 100));
    expect(await quantity()).toBe(5);
    expect((await s.addItems(flooded, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    expect(await h.res.redis.zcard(`${h.config.REDIS_PREFIX}:pending:${flooded}`)).toBe(0);
  });
});
