/**
 * API-side CPU per accepted write (respond-async adds through app.inject, the real route, Redis and
 * PostgreSQL), measured by process.cpuUsage over rounds of N adds. Run from the worktree:
 *   node --import tsx test/bench/accept-cpu.ts <label>  (DATABASE_URL, REDIS_URL: where; N, ROUNDS)
 */
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createResources, prepareDatabase } from '../../src/bootstrap/resources.js';
import { createApi } from '../../src/bootstrap/api-process.js';
import { createMutationWorkers } from '../../src/bootstrap/worker-process.js';
import { TokenService } from '../../src/auth/tokens.js';
import { deleteKeys } from '../../src/redis/client.js';
import { BENCH_SERVICE_SETTINGS } from './unlimited.js';

const label = process.argv[2] ?? 'run';
const N = Number(process.env.N ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BASKETS = 2000;
const OCAPI = '/s/default/dw/shop/v23_2';
const prefix = `pam${Date.now() % 100000}`;
const config = loadConfig({
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/basket_accept_cpu',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: prefix,
  LOG_LEVEL: 'silent',
  LANES: '64',
  ...BENCH_SERVICE_SETTINGS,
  // Admission stays on (hot-lane routing), but the adds piling up here (no worker) never make a basket hot.
  HOT_BASKET_QUEUED: '100000',
});
const logger = pino({ level: 'silent' });
const res = createResources(config, logger);
await prepareDatabase(config, res.db, logger);
const workers = createMutationWorkers(config, res, logger);
const api = await createApi(config, res, logger);
await api.app.ready();
const admin = { authorization: `Bearer ${config.ADMIN_TOKEN}`, 'content-type': 'application/json' };
const put = async (url: string, payload: unknown) => {
  const r = await api.app.inject({ method: 'PUT', url, headers: admin, payload: payload as object });
  if (r.statusCode !== 200) throw new Error(`${url} ${r.statusCode} ${r.body}`);
};
const SKUS = Array.from({ length: 20 }, (_, i) => `pam-${i}`);
await put('/admin/products', { products: SKUS.map((sku, i) => ({ sku, name: `P ${i}`, tax_rate: '0.08' })) });
await put('/admin/price-lists/default', { currency: 'USD', prices: SKUS.map((sku, i) => ({ sku, price: `${i + 1}.99` })) });
await put('/admin/stock-lists/default', { stocks: SKUS.map((sku) => ({ sku, quantity: 100_000_000 })) });
const token = new TokenService(config.JWT_SECRET, 3600).sign('pam-shopper');
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const baskets: string[] = [];
while (baskets.length < BASKETS) {
  const rs = await Promise.all(Array.from({ length: 25 }, () => api.app.inject({ method: 'POST', url: `${OCAPI}/baskets`, headers, payload: {} })));
  for (const r of rs) baskets.push((r.json() as { basket_id: string }).basket_id);
}
await workers.close(); // from here the adds only queue: what is measured is the accept
const asyncHeaders = { ...headers, prefer: 'respond-async' };
let n = 0;
async function round(): Promise<number> {
  let i = 0;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (i < N) {
        i++;
        const b = baskets[n++ % BASKETS]!;
        const r = await api.app.inject({ method: 'POST', url: `${OCAPI}/baskets/${b}/items`, headers: asyncHeaders, payload: [{ product_id: SKUS[n % 20], quantity: 1 }] });
        if (r.statusCode !== 202) throw new Error(`add ${r.statusCode} ${r.body}`);
      }
    }),
  );
  const d = process.cpuUsage(start);
  return (d.user + d.system) / N;
}
await round(); // warm-up (the JIT)
await round();
const figures: number[] = [];
for (let k = 0; k < ROUNDS; k++) figures.push(await round());
const sorted = [...figures].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
console.log(`${label}: API µs CPU per accepted add, rounds of ${N}: ${figures.map((f) => f.toFixed(0)).join(' ')}; median ${median.toFixed(0)}`);
await api.close();
await deleteKeys(res.redis, `${prefix}:*`);
await res.close();
