/**
 * `npm run bench`: the benchmark suite (a benchmark, not a test). Starts the service (API + worker
 * processes) and its baselines on this machine, seeds its own catalogue into its own database, drives
 * load over loopback with autocannon, and prints one table. Every scenario runs beside a baseline
 * measured in the same run, because the machine is shared and noisy: compare ratios, not absolutes.
 *
 * Environment: DATABASE_URL / REDIS_URL (server to use; the bench creates database `basket_bench`),
 * BENCH_SECONDS (add-to-cart duration, default 15), BENCH_SHORT_SECONDS (other scenarios, default 10),
 * BENCH_LANES (lanes of the service under test, default 64), BENCH_WORKERS (worker processes, default 1;
 * their CPU is summed), BENCH_WARM_BASKETS (the services' WARM_BASKETS), BENCH_STREAMS (open basket event streams in
 * the stream scenario, default 1,000), BENCH_ONLY=streams or hot (only the stream scenario, or only the
 * hot-basket one, for a short look), BENCH_DATABASE (database the bench creates, default basket_bench),
 * BENCH_REDIS (`standalone`, `cluster` or `both`, default both: the same scenarios on REDIS_URL and then
 * on a Redis Cluster of 3 masters the bench starts from the installed redis-server, with
 * BENCH_CLUSTER_REPLICAS replicas each, default 0 — like for like with the standalone server — and a
 * table of cluster/standalone ratios). Unless REDIS_URL is set, the standalone variant runs on a
 * redis-server of its own (like the cluster's nodes), so its CPU is the bench's alone.
 * BENCH_ONLY=add runs only the add-to-cart scenario, the pgbench ceiling and the dead-row count (for
 * measuring a change: a short run gives the CPU per add).
 *
 * CPU per operation (the `cpu ms/op` column, see cpu.ts): utime + stime of the API, the worker, the
 * PostgreSQL backends serving the bench's database, redis-server and the load generator, over the
 * scenario, divided by its acknowledged operations. The shared machine makes wall-clock rates noisy;
 * CPU per operation is the steady figure. The pgbench row is the database's ceiling for a basket-shaped
 * transaction in the same run (pgbench-ceiling.ts); after the run, dead and live rows per table.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { Queue } from 'bullmq';
import autocannon from 'autocannon';
import { startService, stopService, type ServiceProcess } from '../support/processes.js';
import { freePort } from '../support/own-services.js';
import { TokenService } from '../../src/auth/tokens.js';
import { laneBullPrefix, laneOf, laneQueueName } from '../../src/queue/lanes.js';
import { laneQueueStreams } from '../../src/queue/lane-queues.js';
import { connectRedis, infoSummed, masters, type RedisTarget } from '../../src/redis/client.js';
import { ownCluster, type OwnCluster } from '../support/own-cluster.js';
import { ownRedis, type OwnService } from '../support/own-services.js';
import { cpuPer, deadRows, formatCpu, sampleCpu, type CpuSplit, type CpuTargets } from './cpu.js';
import { pgbenchCeiling } from './pgbench-ceiling.js';
import { BENCH_SERVICE_SETTINGS } from './unlimited.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SHORT = Number(process.env.BENCH_SHORT_SECONDS ?? 10);
const SERVER_DB = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const SHARED_REDIS_URL = process.env.REDIS_URL;
const SECRET = 'bench-jwt-secret-0123456789';
const ADMIN = 'bench-admin-token';
const LANES = Number(process.env.BENCH_LANES ?? 64);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BASKETS = 1000;
const SKUS = Array.from({ length: 20 }, (_, i) => `BENCH-${i}`);
const OCAPI = '/s/default/dw/shop/v23_2';
const MODE = (process.env.BENCH_REDIS ?? 'both') as 'standalone' | 'cluster' | 'both';
const CLUSTER_REPLICAS = Number(process.env.BENCH_CLUSTER_REPLICAS ?? 0);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const ONLY = process.env.BENCH_ONLY ?? '';

interface Row {
  scenario: string;
  variant: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  ratio: string;
  note?: string;
  /** CPU ms per acknowledged operation (see cpu.ts). */
  cpu?: CpuSplit;
}
const rows: Row[] = [];
const children: ServiceProcess[] = [];

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function databaseUrl(name: string): string {
  const u = new URL(SERVER_DB);
  u.pathname = `/${name}`;
  return u.toString();
}

async function freshDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl('postgres') });
  await c.connect();
  await c.query(`drop database if exists "${name}" with (force)`);
  await c.end();
}

interface LoadSpec {
  base: string;
  connections: number;
  seconds: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  path: () => string;
  body?: string | (() => string);
}

interface LoadResult {
  rps: number;
  ok: number;
  /** Responses per HTTP status. */
  codes: Record<string, number>;
  p50: number;
  p99: number;
  errors: number;
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const r = await autocannon({
    url: spec.base,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds }),
    requests: [
      {
        method: spec.method,
        headers: spec.headers,
        setupRequest: (req) => ({
          ...req,
          path: spec.path(),
          ...(spec.body === undefined ? {} : { body: typeof spec.body === 'string' ? spec.body : spec.body() }),
        }),
      },
    ],
  });
  const codes = Object.fromEntries(
    Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {}).map(([k, v]) => [k, v.count]),
  );
  return { rps: r.requests.average, ok: r['2xx'], codes, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
}

function record(
  scenario: string,
  variant: string,
  r: LoadResult,
  baseline?: LoadResult,
  note?: string,
  ratioOf: (x: LoadResult) => number = (x) => x.rps,
  cpu?: CpuSplit,
) {
  rows.push({
    ...(cpu ? { cpu } : {}),
    scenario,
    variant,
    rps: Math.round(r.rps),
    p50: r.p50,
    p99: r.p99,
    errors: r.errors,
    ratio: baseline ? `${(ratioOf(r) / ratioOf(baseline)).toFixed(2)}×` : 'baseline',
    ...(note ? { note } : {}),
  });
}

function peakRssMb(p: ServiceProcess): number {
  try {
    const status = fs.readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

interface RunResult {
  readonly label: string;
  readonly rows: Row[];
  readonly rss: Record<string, number>;
  readonly redisMemory: { used: string; peak: string };
  readonly dead: Awaited<ReturnType<typeof deadRows>>;
  readonly mutations: number;
  /** Redis commands per pipeline add (commandStatsPer), when the add scenario ran. */
  readonly redisPerAdd?: string;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)}M`);

async function main(label: string, REDIS_URL: string, clusterNodes: string): Promise<RunResult> {
  rows.length = 0;
  redisCommandsPerAdd = '';
  const PREFIX = `bench${randomUUID().slice(0, 6)}`;
  const target: RedisTarget = {
    url: REDIS_URL,
    clusterNodes: clusterNodes ? clusterNodes.split(',').map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })) : [],
  };
  const dbName = process.env.BENCH_DATABASE ?? 'basket_bench';
  await freshDatabase(dbName);
  const env = {
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL,
    REDIS_CLUSTER_NODES: clusterNodes,
    REDIS_PREFIX: PREFIX,
    JWT_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    LANES: String(LANES),
    LOG_LEVEL: 'warn',
    ...BENCH_SERVICE_SETTINGS,
    // One bench shopper follows every basket: lift the per-shopper stream cap.
    SSE_MAX_STREAMS_PER_CUSTOMER: '1000',
    // BENCH_WARM_BASKETS: the services' WARM_BASKETS (0: every mutation reads its basket, as before warm states).
    ...(process.env.BENCH_WARM_BASKETS !== undefined ? { WARM_BASKETS: process.env.BENCH_WARM_BASKETS } : {}),
  };
  const [apiPort, inlinePort, barePort] = [await freePort(), await freePort(), await freePort()];
  const workerPorts: number[] = [];
  for (let i = 0; i < WORKERS; i++) workerPorts.push(await freePort());
  log(`${label}: starting service (1 API + ${WORKERS} worker process${WORKERS === 1 ? '' : 'es'}, ${LANES} lanes) and baselines`);
  const api = startService('workers/api.ts', { ...env, PORT: String(apiPort), LOG_LEVEL: 'info' });
  children.push(api);
  await api.waitFor(/Server listening/, 60_000);
  const workers = workerPorts.map((port) => startService('workers/mutation.worker.ts', { ...env, WORKER_PORT: String(port), LOG_LEVEL: 'info' }));
  const worker = workers[0]!;
  const inline = startService('test/bench/inline-api.ts', { ...env, PORT: String(inlinePort), LOG_LEVEL: 'info' });
  const bare = startService('test/bench/bare-redis-api.ts', { ...env, PORT: String(barePort) });
  children.push(...workers, inline, bare);
  await Promise.all([
    ...workers.map((w) => w.waitFor(/mutation workers started/, 60_000)),
    inline.waitFor(/Server listening/, 60_000),
    bare.waitFor(/Server listening/, 60_000),
  ]);

  const pipelineBase = `http://127.0.0.1:${apiPort}`;
  const inlineBase = `http://127.0.0.1:${inlinePort}`;
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const put = async (path: string, body: unknown) => {
    const r = await fetch(pipelineBase + path, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  await put('/admin/products', { products: SKUS.map((sku, i) => ({ sku, name: `Bench product ${i}`, tax_rate: i % 2 ? '0.18' : '0.08' })) });
  await put('/admin/price-lists/default', { currency: 'USD', prices: SKUS.map((sku, i) => ({ sku, price: `${(i + 1) * 3}.99` })) });
  await put('/admin/stock-lists/default', { stocks: SKUS.map((sku) => ({ sku, quantity: 100_000_000 })) });

  const token = new TokenService(SECRET, 3600).sign('bench-shopper', 'agent');
  const shopper = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // Each variant gets its own 1,000 baskets, so neither runs on baskets the other has already filled.
  log(`creating ${2 * BASKETS} baskets`);
  const all: string[] = [];
  const creators = Array.from({ length: 16 }, async () => {
    while (all.length < 2 * BASKETS) {
      const r = await fetch(`${pipelineBase}${OCAPI}/baskets`, { method: 'POST', headers: shopper, body: '{}' });
      if (r.status !== 200) throw new Error(`create basket: ${r.status}`);
      all.push(((await r.json()) as { basket_id: string }).basket_id);
    }
  });
  await Promise.all(creators);
  const basketsOf = { inline: all.slice(0, BASKETS), pipeline: all.slice(BASKETS) };
  const baskets = basketsOf.pipeline;
  const pick = (set: string[]) => () => set[Math.floor(Math.random() * set.length)]!;
  const anyBasket = pick(baskets);
  // Each add names one of the 20 products at random (a real storefront spreads over its catalogue).
  const addBodies = SKUS.map((sku) => JSON.stringify([{ product_id: sku, quantity: 1 }]));
  const addBody = () => addBodies[Math.floor(Math.random() * addBodies.length)]!;
  const addTo = (base: string, headers: Record<string, string>, seconds: number, connections: number, basket: () => string = anyBasket): Promise<LoadResult> =>
    load({ base, connections, seconds, method: 'POST', headers, path: () => `${OCAPI}/baskets/${basket()}/items`, body: addBody });

  // CPU accounting: the bench database's backends, every redis-server (one per master) and the processes.
  const statsDb = new pg.Client({ connectionString: env.DATABASE_URL });
  await statsDb.connect();
  const cpuRedis = connectRedis(target, { maxRetriesPerRequest: 3, onError: () => undefined });
  await cpuRedis.ping(); // on a cluster: the slots (and so the masters) are known once a command has run
  const redisPids = await Promise.all(masters(cpuRedis).map(async (m) => Number(/process_id:(\d+)/.exec(await m.info('server'))?.[1] ?? 0)));
  await cpuRedis.quit();
  const pipelineCpu: CpuTargets = { api: api.child.pid!, workers: workers.map((w) => w.child.pid!), redisPids, db: statsDb, dbName };
  const inlineCpu: CpuTargets = { api: inline.child.pid!, redisPids, db: statsDb, dbName };
  const finish = async (): Promise<Pick<RunResult, 'dead' | 'mutations'>> => {
    const dead = await deadRows(statsDb);
    const { rows: counted } = await statsDb.query<{ n: string }>(`select count(*) as n from mutations`);
    await statsDb.end();
    return { dead, mutations: Number(counted[0]!.n) };
  };
  /** Runs `work` and gives the CPU per operation it did (`count` of its result) beside its result. */
  const measured = async <T>(targets: CpuTargets, work: () => Promise<T>, count: (r: T) => number): Promise<[T, CpuSplit]> => {
    const before = await sampleCpu(targets);
    const r = await work();
    const after = await sampleCpu(targets);
    return [r, cpuPer(before, after, count(r))];
  };
  const cpuOf = { pipeline: pipelineCpu, 'inline baseline': inlineCpu } as const;

  if (ONLY === 'hot') {
    await hotBasketScenario({ env, inlineBase, pipelineBase, shopper, basketsOf, addTo, measured, cpuOf });
    const rss = { api: peakRssMb(api), worker: peakRssMb(worker), inline: peakRssMb(inline) };
    await Promise.all(children.splice(0).map((c) => stopService(c, 'SIGTERM')));
    return { label, rows: [...rows], rss, redisMemory: { used: '?', peak: '?' }, ...(await finish()), redisPerAdd: redisCommandsPerAdd };
  }

  if (ONLY === 'streams') {
    await streamScenario({ base: pipelineBase, api, headers: shopper, baskets, addTo });
    const rss = { api: peakRssMb(api), worker: peakRssMb(worker), inline: peakRssMb(inline) };
    await Promise.all(children.splice(0).map((c) => stopService(c, 'SIGTERM')));
    return { label, rows: [...rows], rss, redisMemory: { used: '?', peak: '?' }, ...(await finish()), redisPerAdd: redisCommandsPerAdd };
  }

  // 1. add-to-cart: sync adds over 1,000 baskets, 64 clients.
  log(`add-to-cart: inline baseline, ${SECONDS} s`);
  const [inlineAdd, inlineAddCpu] = await measured(
    inlineCpu,
    () => addTo(inlineBase, shopper, SECONDS, 64, pick(basketsOf.inline)),
    (r) => r.ok,
  );
  record('add-to-cart (sync, 64 clients, 1,000 baskets)', 'inline baseline', inlineAdd, undefined, undefined, undefined, inlineAddCpu);
  log(`add-to-cart: pipeline, ${SECONDS} s`);
  const statsBefore = await commandStats(target);
  const warmBefore = await warmStateCounts(workerPorts);
  const [pipeAdd, pipeAddCpu] = await measured(
    pipelineCpu,
    () => addTo(pipelineBase, shopper, SECONDS, 64, pick(basketsOf.pipeline)),
    (r) => r.ok,
  );
  redisCommandsPerAdd = commandStatsPer(statsBefore, await commandStats(target), pipeAdd.ok);
  const warmAfter = await warmStateCounts(workerPorts);
  const warmHits = warmAfter.hit - warmBefore.hit;
  log(`pgbench ceiling: basket-shaped transaction, ${SHORT} s`);
  const ceiling = await pgbenchCeiling(SERVER_DB, SHORT);
  record(
    'add-to-cart (sync, 64 clients, 1,000 baskets)',
    'pipeline',
    pipeAdd,
    inlineAdd,
    `${(pipeAdd.rps / ceiling.tps).toFixed(2)}× the pgbench ceiling; ${Math.round((100 * warmHits) / Math.max(1, pipeAdd.ok))}% applied warm (${warmAfter.miss - warmBefore.miss} misses)`,
    undefined,
    pipeAddCpu,
  );
  rows.push({
    scenario: `pgbench ceiling (basket-shaped 7-statement transaction, ${ceiling.clients} clients)`,
    variant: 'PostgreSQL alone',
    rps: Math.round(ceiling.tps),
    p50: NaN,
    p99: NaN,
    errors: 0,
    ratio: '—',
    note: `backends ${ceiling.backendCpuMs.toFixed(2)} ms CPU per transaction`,
  });
  if (ONLY === 'add') {
    const rss = { api: peakRssMb(api), worker: peakRssMb(worker), inline: peakRssMb(inline) };
    await Promise.all(children.splice(0).map((c) => stopService(c, 'SIGTERM')));
    return { label, rows: [...rows], rss, redisMemory: { used: '?', peak: '?' }, ...(await finish()), redisPerAdd: redisCommandsPerAdd };
  }

  // 2. hot basket + background.
  await hotBasketScenario({ env, inlineBase, pipelineBase, shopper, basketsOf, addTo, measured, cpuOf });

  // 3. flash sale: 2,000 shoppers, one SKU with 100 units, 64 at a time.
  const FLASH_SHOPPERS = 2000;
  const flashBaskets = [...all];
  for (const [variant, base, sku] of [
    ['inline baseline', inlineBase, 'FLASH-INLINE'],
    ['pipeline', pipelineBase, 'FLASH-PIPELINE'],
  ] as const) {
    await put('/admin/products', { products: [{ sku, name: 'Flash sale item', tax_rate: '0.2' }] });
    await put('/admin/price-lists/default', { currency: 'USD', prices: [{ sku, price: '49.00' }] });
    await put('/admin/stock-lists/default', { stocks: [{ sku, quantity: 100 }] });
    let next = 0;
    log(`flash sale: ${variant}`);
    const started = Date.now();
    const r = await load({
      base,
      connections: 64,
      seconds: 60,
      amount: FLASH_SHOPPERS,
      method: 'POST',
      headers: shopper,
      path: () => `${OCAPI}/baskets/${flashBaskets[next++ % FLASH_SHOPPERS]}/items`,
      body: JSON.stringify([{ product_id: sku, quantity: 1 }]),
    });
    const elapsed = (Date.now() - started) / 1000;
    const stock = (await (await fetch(`${pipelineBase}/admin/stock-lists/default/${sku}`, { headers: admin })).json()) as { reserved: number };
    const refused = r.codes['409'] ?? 0;
    const flash = { ...r, rps: FLASH_SHOPPERS / elapsed, errors: r.errors - refused };
    record(
      'flash sale (2,000 shoppers, 1 SKU, 100 units)',
      variant,
      flash,
      undefined,
      `${stock.reserved} units reserved (must be 100), ${r.ok} adds accepted, ${refused} refused (409)`,
    );
  }
  const flashRows = rows.filter((x) => x.scenario.startsWith('flash sale'));
  if (flashRows.length === 2) flashRows[1]!.ratio = `${(flashRows[1]!.rps / Math.max(flashRows[0]!.rps, 1)).toFixed(2)}×`;

  // 4. cached read: GET basket with warm snapshots vs a bare route returning one Redis key.
  log(`cached read: bare Redis route, then GET basket, ${SHORT} s each`);
  const redis = connectRedis(target, { maxRetriesPerRequest: 3, onError: () => undefined });
  const sampleBody = (await redis.hget(`${PREFIX}:snap:${baskets[1]}`, 'b')) ?? '{}';
  // One SET per key: on a cluster the keys live in many slots (no cross-slot pipeline).
  for (let i = 0; i < BASKETS; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => redis.set(`${PREFIX}:raw:${i + j}`, sampleBody)));
  const bareRead = await load({
    base: `http://127.0.0.1:${barePort}`,
    connections: 64,
    seconds: SHORT,
    method: 'GET',
    headers: {},
    path: () => `/raw/${Math.floor(Math.random() * BASKETS)}`,
  });
  record('cached read (64 clients)', 'bare Fastify + Redis GET', bareRead);
  const cachedRead = await load({
    base: pipelineBase,
    connections: 64,
    seconds: SHORT,
    method: 'GET',
    headers: shopper,
    path: () => `${OCAPI}/baskets/${anyBasket()}`,
  });
  record('cached read (64 clients)', 'GET basket (pipeline API)', cachedRead, bareRead);

  // 5. async accept: how fast writes are accepted, and how long until all are applied.
  log(`async accept: ${SHORT} s, then drain`);
  const lanes = Array.from(
    { length: LANES },
    (_, k) => new Queue(laneQueueName(k), { connection: redis, prefix: laneBullPrefix(PREFIX, k), streams: laneQueueStreams }),
  );
  const started = Date.now();
  let acceptEnd = 0;
  const [accepted, asyncCpu] = await measured(
    pipelineCpu,
    async () => {
      const r = await addTo(pipelineBase, { ...shopper, prefer: 'respond-async' }, SHORT, 64);
      acceptEnd = Date.now();
      for (;;) {
        const counts = await Promise.all(lanes.map((q) => q.getJobCounts('waiting', 'active')));
        if (counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) === 0)) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      return r;
    },
    (r) => r.ok,
  );
  const drainMs = Date.now() - acceptEnd;
  const appliedPerSecond = accepted.ok / ((Date.now() - started) / 1000);
  record(
    'async accept (Prefer: respond-async, 64 clients)',
    'pipeline accept',
    accepted,
    pipeAdd,
    `all applied ${(drainMs / 1000).toFixed(1)} s after the last accept; ${Math.round(appliedPerSecond)} applied/s overall; CPU per add until all applied`,
    undefined,
    asyncCpu,
  );
  await Promise.all(lanes.map((q) => q.close()));

  // 6. basket event streams: their memory, and what they cost the writes.
  await streamScenario({ base: pipelineBase, api, headers: shopper, baskets, addTo });

  // Summed over the masters on a cluster.
  const memory = await infoSummed(redis, 'memory');
  const rss = { api: peakRssMb(api), worker: peakRssMb(worker), inline: peakRssMb(inline) };
  await redis.quit();
  await Promise.all(children.splice(0).map((c) => stopService(c, 'SIGTERM')));
  return {
    label,
    rows: [...rows],
    rss,
    redisMemory: { used: mb(memory.used_memory), peak: mb(memory.used_memory_peak) },
    ...(await finish()),
    redisPerAdd: redisCommandsPerAdd,
  };
}

/** Redis commands per acknowledged pipeline add (INFO commandstats over the add scenario), printed with the table. */
let redisCommandsPerAdd = '';

/** INFO commandstats summed over the masters: calls and µs per command (commands run inside scripts count too). */
async function commandStats(target: RedisTarget): Promise<Map<string, { calls: number; usec: number }>> {
  const client = connectRedis(target, { maxRetriesPerRequest: 3, onError: () => undefined });
  try {
    await client.ping();
    const stats = new Map<string, { calls: number; usec: number }>();
    for (const node of masters(client)) {
      for (const line of (await node.info('commandstats')).split(/\r?\n/)) {
        const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
        if (!m) continue;
        const s = stats.get(m[1]!) ?? { calls: 0, usec: 0 };
        stats.set(m[1]!, { calls: s.calls + Number(m[2]), usec: s.usec + Number(m[3]) });
      }
    }
    return stats;
  } finally {
    await client.quit();
  }
}

/** `cmd calls×(µs)` per operation, the busiest first; commands under 0.05 calls per operation are left out. */
function commandStatsPer(a: Map<string, { calls: number; usec: number }>, b: Map<string, { calls: number; usec: number }>, ops: number): string {
  const n = Math.max(ops, 1);
  const per = [...b].map(([cmd, s]) => ({ cmd, calls: (s.calls - (a.get(cmd)?.calls ?? 0)) / n, usec: (s.usec - (a.get(cmd)?.usec ?? 0)) / n }));
  const total = per.reduce((t, x) => ({ calls: t.calls + x.calls, usec: t.usec + x.usec }), { calls: 0, usec: 0 });
  const shown = per.filter((x) => x.calls >= 0.05).sort((x, y) => y.usec - x.usec);
  return `${total.calls.toFixed(1)} commands, ${total.usec.toFixed(0)} µs of command time per add (scripts' commands counted inside evalsha too): ${shown.map((x) => `${x.cmd} ${x.calls.toFixed(2)}×(${x.usec.toFixed(0)} µs)`).join(', ')}`;
}

/**
 * 2. hot basket + background: 32 clients on one basket, 32 on the others (each variant on its own
 * baskets). For the pipeline also the background restricted to baskets outside the hot basket's home
 * lane: what is left there is global CPU contention, not queueing behind the hot basket's backlog.
 */
async function hotBasketScenario(ctx: {
  env: { DATABASE_URL: string };
  inlineBase: string;
  pipelineBase: string;
  shopper: Record<string, string>;
  basketsOf: { inline: string[]; pipeline: string[] };
  addTo: (base: string, headers: Record<string, string>, seconds: number, connections: number, basket?: () => string) => Promise<LoadResult>;
  measured: <T>(targets: CpuTargets, work: () => Promise<T>, count: (r: T) => number) => Promise<[T, CpuSplit]>;
  cpuOf: { readonly pipeline: CpuTargets; readonly 'inline baseline': CpuTargets };
}) {
  const { env, inlineBase, pipelineBase, shopper, basketsOf, addTo, measured, cpuOf } = ctx;
  const hotQuantity = async (hot: string) => {
    const c = new pg.Client({ connectionString: env.DATABASE_URL });
    await c.connect();
    const r = await c.query<{ q: number }>(`select coalesce(sum(quantity), 0)::int as q from basket_lines where basket_id = $1`, [hot]);
    await c.end();
    return r.rows[0]!.q;
  };
  for (const [variant, base, set] of [
    ['inline baseline', inlineBase, basketsOf.inline],
    ['pipeline', pipelineBase, basketsOf.pipeline],
  ] as const) {
    const hot = set[0]!;
    const background = () => set[1 + Math.floor(Math.random() * (set.length - 1))]!;
    log(`hot basket: ${variant}, background alone then with a hot basket, ${SHORT} s each`);
    const alone = await addTo(base, shopper, SHORT, 32, background);
    const before = await hotQuantity(hot);
    const from = new Date();
    const [[hotRun, bgRun], bothCpu] = await measured(
      cpuOf[variant],
      () => Promise.all([addTo(base, shopper, SHORT, 32, () => hot), addTo(base, shopper, SHORT, 32, background)]),
      ([h, b]) => h.ok + b.ok,
    );
    const to = new Date();
    const after = await hotQuantity(hot);
    // Applied may exceed acknowledged: requests still in flight when the load stopped were applied too.
    const lost = Math.max(0, hotRun.ok - (after - before));
    record('hot basket: background writes, no hot basket', variant, alone);
    record(
      'hot basket: background writes beside 32 clients on 1 basket',
      variant,
      bgRun,
      alone,
      `p99 ratio ${(bgRun.p99 / Math.max(alone.p99, 1)).toFixed(2)}×; CPU per add over both loads`,
      (x) => x.rps,
      bothCpu,
    );
    record('hot basket: the hot basket itself', variant, hotRun, undefined, `${hotRun.ok} acknowledged, ${after - before} applied, ${lost} lost`);
    if (variant !== 'pipeline') continue;
    // Where the background's wait comes from: time in the lane (accepted to applied, from the mutation
    // log) of the baskets sharing the hot basket's home lane, against all the others. Robust to a noisy
    // machine, unlike the HTTP p99 (CPU contention slows both groups alike).
    const homeLane = laneOf(hot, LANES);
    const waits = await laneWaits(env.DATABASE_URL, set.slice(1), from, to);
    const share = waits.filter((w) => laneOf(w.basket, LANES) === homeLane).map((w) => w.ms);
    const others = waits.filter((w) => laneOf(w.basket, LANES) !== homeLane).map((w) => w.ms);
    rows[rows.length - 2]!.note +=
      `; lane wait p50/p99 ms: ${share.length} writes on the hot basket's home lane ${pct(share, 0.5)}/${pct(share, 0.99)}, the ${others.length} others ${pct(others, 0.5)}/${pct(others, 0.99)}`;
    // Diagnosis: the same load, with the background kept off the hot basket's home lane.
    const elsewhere = set.slice(1).filter((b) => laneOf(b, LANES) !== homeLane);
    const [, offLane] = await Promise.all([
      addTo(base, shopper, SHORT, 32, () => hot),
      addTo(base, shopper, SHORT, 32, () => elsewhere[Math.floor(Math.random() * elsewhere.length)]!),
    ]);
    record(
      "hot basket: background off the hot basket's home lane, beside it",
      variant,
      offLane,
      alone,
      `p99 ratio ${(offLane.p99 / Math.max(alone.p99, 1)).toFixed(2)}× (what global contention alone costs)`,
    );
  }
}

/** Accepted-to-applied times of the adds to `baskets` accepted between `from` and `to`. */
async function laneWaits(url: string, baskets: string[], from: Date, to: Date): Promise<{ basket: string; ms: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query<{ basket: string; ms: number }>(
    `select basket_id as basket, extract(epoch from (finished_at - enqueued_at)) * 1000 as ms
     from mutations where basket_id = any($1::uuid[]) and kind = 'add_items' and enqueued_at >= $2 and enqueued_at < $3`,
    [baskets, from, to],
  );
  await c.end();
  return r.rows.map((x) => ({ basket: x.basket, ms: Number(x.ms) }));
}

/** The q-quantile of `xs`, rounded to ms ('-' when empty). */
function pct(xs: number[], q: number): string {
  if (xs.length === 0) return '-';
  const sorted = [...xs].sort((a, b) => a - b);
  return String(Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!));
}

/** Current (not peak) resident memory of a process, in KiB. */
function rssKb(p: ServiceProcess): number {
  const status = fs.readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * Opens STREAMS event streams (one per basket, over plain HTTP: the client side stays cheap) and measures
 * the API process's memory per open stream, then sync adds over those baskets with and without the
 * streams open: the write p99 they cost, and that every applied version reached its stream.
 */
async function streamScenario(ctx: {
  base: string;
  api: ServiceProcess;
  headers: Record<string, string>;
  baskets: string[];
  addTo: (base: string, headers: Record<string, string>, seconds: number, connections: number, basket?: () => string) => Promise<LoadResult>;
}) {
  const n = Math.min(STREAMS, ctx.baskets.length);
  const followed = ctx.baskets.slice(0, n);
  const pickFollowed = () => followed[Math.floor(Math.random() * n)]!;
  log(`streams: writes without streams, ${SHORT} s`);
  const without = await ctx.addTo(ctx.base, ctx.headers, SHORT, 64, pickFollowed);
  record(`writes on ${n} baskets (sync, 64 clients)`, 'no streams open', without);
  await new Promise((r) => setTimeout(r, 2000));
  const before = rssKb(ctx.api);
  log(`streams: opening ${n}`);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const url = new URL(ctx.base);
  let events = 0;
  const requests: http.ClientRequest[] = [];
  const opened = followed.map(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const req = http.get(
          {
            host: url.hostname,
            port: url.port,
            path: `${OCAPI}/baskets/${id}/events`,
            headers: { authorization: ctx.headers.authorization!, accept: 'text/event-stream' },
            agent,
          },
          (res) => {
            if (res.statusCode !== 200) return reject(new Error(`stream ${res.statusCode}`));
            let first = true;
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              const ids = chunk.split('\nid: ').length - 1 + (chunk.startsWith('id: ') ? 1 : 0);
              events += ids;
              if (first && ids > 0) {
                first = false;
                resolve();
              }
            });
            res.on('error', () => undefined);
          },
        );
        req.on('error', reject);
        requests.push(req);
      }),
  );
  for (let i = 0; i < opened.length; i += 100) await Promise.all(opened.slice(i, i + 100));
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKb(ctx.api);
  const perStreamKb = (after - before) / n;
  const eventsBefore = events;
  log(`streams: writes with ${n} streams open, ${SHORT} s`);
  const withStreams = await ctx.addTo(ctx.base, ctx.headers, SHORT, 64, pickFollowed);
  await new Promise((r) => setTimeout(r, 2000));
  const delivered = events - eventsBefore;
  record(
    `writes on ${n} baskets (sync, 64 clients)`,
    `${n} streams open`,
    withStreams,
    without,
    `p99 ${(withStreams.p99 / Math.max(without.p99, 1)).toFixed(2)}× without; ${delivered} events for ${withStreams.ok} acknowledged writes; API RSS +${Math.round((after - before) / 1024)} MB for ${n} streams ≈ ${perStreamKb.toFixed(1)} KiB each`,
  );
  for (const r of requests) r.destroy();
  agent.destroy();
}

function print({ label, rows, rss, redisMemory, dead, mutations, redisPerAdd }: RunResult) {
  process.stdout.write(`\n${label}\n`);
  const header = ['scenario', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline', 'cpu ms/op: api/worker/pg/redis/gen = total', 'note'];
  const body = rows.map((r) => [
    r.scenario,
    r.variant,
    String(r.rps),
    Number.isNaN(r.p50) ? '' : String(r.p50),
    Number.isNaN(r.p99) ? '' : String(r.p99),
    String(r.errors),
    r.ratio,
    r.cpu ? formatCpu(r.cpu) : '',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  out.push('');
  out.push(
    `peak RSS: API ${rss.api} MB, worker ${rss.worker} MB, inline baseline ${rss.inline} MB; Redis memory ${redisMemory.used} (peak ${redisMemory.peak})`,
  );
  if (redisPerAdd) out.push('', `Redis per pipeline add: ${redisPerAdd}`);
  out.push('', `rows per table after the run (autovacuum is whatever the server has; ${mutations} mutation records):`);
  out.push('| table | live | dead | updates | HOT updates |', '|---|---|---|---|---|');
  for (const d of dead) out.push(`| ${d.table} | ${d.live} | ${d.dead} | ${d.updates} | ${d.hot} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Cluster over standalone, row by row (req/s and p99). */
function printRatios(standalone: RunResult, cluster: RunResult) {
  process.stdout.write('\ncluster / standalone (same scenarios, same run)\n');
  const lines = ['| scenario | variant | req/s ratio | p99 ratio |', '|---|---|---|---|'];
  cluster.rows.forEach((c, i) => {
    const s = standalone.rows[i];
    if (!s || s.scenario !== c.scenario || s.variant !== c.variant) return;
    lines.push(`| ${c.scenario} | ${c.variant} | ${(c.rps / Math.max(s.rps, 1)).toFixed(2)}× | ${(c.p99 / Math.max(s.p99, 1)).toFixed(2)}× |`);
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

let cluster: OwnCluster | null = null;
let standalone: OwnService | null = null;
try {
  const results: RunResult[] = [];
  if (MODE !== 'cluster') {
    if (!SHARED_REDIS_URL) standalone = await ownRedis();
    const url = SHARED_REDIS_URL ?? standalone!.url;
    results.push(await main(`standalone Redis (${url}${standalone ? ', its own redis-server' : ''})`, url, ''));
  }
  if (MODE !== 'standalone') {
    log(`starting a Redis Cluster: 3 masters, ${CLUSTER_REPLICAS} replica(s) each`);
    cluster = await ownCluster({ masters: 3, replicasPerMaster: CLUSTER_REPLICAS });
    results.push(await main(`Redis Cluster (3 masters, ${CLUSTER_REPLICAS} replica(s) each)`, SHARED_REDIS_URL ?? 'redis://127.0.0.1:6379', cluster.nodesEnv));
  }
  results.forEach(print);
  if (results.length === 2) printRatios(results[0]!, results[1]!);
} finally {
  await Promise.all(children.map((c) => stopService(c, 'SIGTERM')));
  await cluster?.destroy();
  await standalone?.destroy();
}

/** The workers' `basket_warm_state_total` counters (their /metrics), summed: mutations applied from a kept state, and misses. */
async function warmStateCounts(workerPorts: readonly number[]): Promise<{ hit: number; miss: number }> {
  const texts = await Promise.all(workerPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
  const count = (text: string, result: string) => Number(new RegExp(`^basket_warm_state_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: texts.reduce((n, t) => n + count(t, 'hit'), 0), miss: texts.reduce((n, t) => n + count(t, 'miss'), 0) };
}
