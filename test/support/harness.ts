/**
 * An in-process service for integration tests: real PostgreSQL and Redis (from global setup), its own
 * Redis key prefix (so queues, snapshots and tickets never collide with another test file), the API via
 * Fastify `inject`, and optionally the lane workers.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { createResources, type Resources } from '../../src/bootstrap/resources.js';
import { createApi, type ApiProcess } from '../../src/bootstrap/api-process.js';
import { createMutationWorkers, type WorkerProcess } from '../../src/bootstrap/worker-process.js';
import { TokenService } from '../../src/auth/tokens.js';
import { expiryQueue, startExpiryScheduler } from '../../src/bootstrap/expiry-scheduler.js';
import { deleteKeys } from '../../src/redis/client.js';
import { testDatabaseUrl } from './test-database.js';

export const OCAPI = '/s/default/dw/shop/v23_2';

export interface Harness {
  readonly config: Config;
  readonly res: Resources;
  readonly app: FastifyInstance;
  readonly api: ApiProcess;
  readonly workers: WorkerProcess | null;
  readonly tokens: TokenService;
  readonly adminHeaders: Record<string, string>;
  /** A unique name for catalogue entries of this harness (SKUs are global in the database). */
  readonly tag: string;
  close(): Promise<void>;
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    LANES: '8',
    SYNC_WAIT_MS: '10000',
    JOB_LOCK_MS: '2000',
    JOB_STALLED_CHECK_MS: '1000',
    PG_POOL_SIZE: '10',
    WORKER_PORT: '0',
    // Tests drive thousands of requests from one address and token, and pile mutations up in one
    // basket on purpose, and some customers hold many baskets; the tests of these limits set their own.
    RATE_LIMIT_MAX: '0',
    RATE_LIMIT_NEW_IDENTITY_MAX: '0',
    MAX_QUEUED_PER_BASKET: '0',
    MAX_ACTIVE_BASKETS: '0',
    ...overrides,
  };
}

export async function startHarness(
  overrides: Record<string, string> = {},
  opts: { workers?: boolean; scheduler?: boolean; /** Where log lines go (default: stdout). */ logs?: { write(line: string): void } } = {},
): Promise<Harness> {
  const config = loadConfig(testEnv(overrides));
  const logger = opts.logs ? pino({ level: config.LOG_LEVEL }, opts.logs) : pino({ level: config.LOG_LEVEL });
  const res = createResources(config, logger);
  const workers = opts.workers === false ? null : createMutationWorkers(config, res, logger);
  const scheduler = opts.scheduler ? await startExpiryScheduler(config, res, logger) : null;
  const boardQueue = expiryQueue(config, res);
  const api = await createApi(config, res, logger, [boardQueue]);
  await api.app.ready();
  return {
    config,
    res,
    app: api.app,
    api,
    workers,
    tokens: new TokenService(config.JWT_SECRET, 3600),
    adminHeaders: { authorization: `Bearer ${config.ADMIN_TOKEN}` },
    tag: config.REDIS_PREFIX,
    async close() {
      await api.close();
      await boardQueue.close();
      await scheduler?.close();
      await workers?.close();
      // SCAN per master, one key per DEL: the same on standalone Redis and on a cluster.
      await deleteKeys(res.redis, `${config.REDIS_PREFIX}:*`);
      await res.close();
    },
  };
}

export interface Product {
  sku: string;
  name?: string;
  price: string;
  tax_rate?: string;
  online?: boolean;
  /** On-hand units in the stock list (default: plenty). */
  stock?: number;
}

/** Loads products, their prices and their stock into the default site's lists through the admin API. */
export async function seedProducts(h: Harness, products: Product[], priceList = 'default', currency = 'USD', stockList = 'default'): Promise<void> {
  const put = async (url: string, payload: unknown) => {
    const r = await h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload: payload as object });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  };
  await put('/admin/products', {
    products: products.map((p) => ({ sku: p.sku, name: p.name ?? p.sku, tax_rate: p.tax_rate ?? '0.2', online: p.online ?? true })),
  });
  await put(`/admin/price-lists/${priceList}`, { currency, prices: products.map((p) => ({ sku: p.sku, price: p.price })) });
  await put(`/admin/stock-lists/${stockList}`, { stocks: products.map((p) => ({ sku: p.sku, quantity: p.stock ?? 1_000_000 })) });
}

/** A small OCAPI client bound to one bearer token. */
export class Shopper {
  readonly headers: Record<string, string>;
  constructor(private readonly h: Harness, readonly sub: string = `cust-${randomUUID()}`, role: 'customer' | 'agent' = 'customer') {
    this.headers = { authorization: `Bearer ${h.tokens.sign(sub, role)}` };
  }

  request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.h.app.inject({
      method,
      url,
      headers: { ...this.headers, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  async createBasket(): Promise<string> {
    const r = await this.request('POST', `${OCAPI}/baskets`, {});
    if (r.statusCode !== 200) throw new Error(`create basket: ${r.statusCode} ${r.body}`);
    return r.json().basket_id as string;
  }

  addItems(basketId: string, items: { product_id: string; quantity: number }[], headers: Record<string, string> = {}) {
    return this.request('POST', `${OCAPI}/baskets/${basketId}/items`, items, headers);
  }

  setQuantity(basketId: string, itemId: string, quantity: number, headers: Record<string, string> = {}) {
    return this.request('PATCH', `${OCAPI}/baskets/${basketId}/items/${itemId}`, { quantity }, headers);
  }

  get(basketId: string, headers: Record<string, string> = {}) {
    return this.request('GET', `${OCAPI}/baskets/${basketId}`, undefined, headers);
  }
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function createBaskets(shopper: Shopper, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await shopper.createBasket());
  return ids;
}

/**
 * `perBasket` one-unit adds of `sku` to each basket: one basket's adds in sequence (each carries its
 * acceptance order as `c_seq`), baskets in parallel. Async by default; returns the status codes.
 */
export async function addInSequence(shopper: Shopper, baskets: string[], sku: string, perBasket: number, headers: Record<string, string> = { prefer: 'respond-async' }): Promise<number[]> {
  const codes: number[] = [];
  await Promise.all(
    baskets.map(async (id) => {
      for (let seq = 0; seq < perBasket; seq++) {
        const r = await shopper.addItems(id, [{ product_id: sku, quantity: 1, c_seq: seq } as never], headers);
        codes.push(r.statusCode);
      }
    }),
  );
  return codes;
}

/** The flashes of an OCAPI document about its product items (leaving out what checkout still needs). */
export function itemFlashes(doc: { flash?: { path: string }[] }): { _type: string; type: string; message: string; path: string }[] {
  return (doc.flash ?? []).filter((f) => f.path.startsWith('$.product_items')) as never;
}
