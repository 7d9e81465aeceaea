/**
 * What one mutation costs PostgreSQL, per statement: the real apply use case (`applyMutationJob`, the
 * worker's code without the lane in front) adds items to baskets on one connection, and the script reads
 * that backend's CPU from /proc (utime + stime), the WAL it wrote (`pg_current_wal_lsn` difference) and,
 * when the server has `pg_stat_statements` loaded, time, WAL records and bytes per statement.
 *
 * Run it against a PostgreSQL of your own (WAL is counted server-wide, so other clients' writes would be
 * counted too; pg_stat_statements needs `shared_preload_libraries`):
 *
 *   WRITE_COST_URL=postgres://postgres@127.0.0.1:5499/write_cost node --import tsx test/bench/write-cost.ts
 *
 * Options: WRITE_COST_BASKETS (200), WRITE_COST_WARM (adds before measuring, 1,500: ~8 lines a basket, the
 * bench's shape), WRITE_COST_ADDS (measured adds, 2,000, in WRITE_COST_ROUNDS rounds, 8), WRITE_COST_SETUP_SQL (run after the migrations, to
 * try a schema change before writing a migration), WRITE_COST_EXPLAIN=n (n more adds with auto_explain on: their
 * plans, timings and WAL in the server's log), WRITE_COST_WARM_BASKETS=n (the worker keeps n baskets' last written state,
 * as the service's workers do: prints the hit rate and the heap a kept state takes). The database is dropped and created afresh.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import v8 from 'node:v8';
import vm from 'node:vm';
import { WarmStates } from '../../src/application/warm-states.js';
import { applyMutationJob, type ApplyDeps } from '../../src/application/apply-mutation.js';
import type { MutationJob } from '../../src/contracts/mutation-job.js';
import type { MutationCommand } from '../../src/domain/mutations.js';
import { openDatabase } from '../../src/persistence/database.js';
import { migrateToLatest } from '../../src/persistence/migrate.js';
import { upsertPriceList, upsertProducts, upsertStockList } from '../../src/persistence/catalog.repository.js';

const URL_ = process.env.WRITE_COST_URL ?? 'postgres://postgres@127.0.0.1:5499/write_cost';
const BASKETS = Number(process.env.WRITE_COST_BASKETS ?? 200);
const WARM = Number(process.env.WRITE_COST_WARM ?? 1500);
const ADDS = Number(process.env.WRITE_COST_ADDS ?? 2000);
const ROUNDS = Number(process.env.WRITE_COST_ROUNDS ?? 8);
const SKUS = Array.from({ length: 20 }, (_, i) => `bench-sku-${i}`);

const TICK_MS = 10; // USER_HZ is 100 on Linux
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

v8.setFlagsFromString('--expose-gc');

async function main(): Promise<void> {
  const url = new URL(URL_);
  const name = url.pathname.slice(1);
  const adminUrl = new URL(URL_);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();

  let { db, pool } = openDatabase(URL_, 1);
  await migrateToLatest(db);
  // An experiment's schema change on top of the migrations (e.g. a column's compression), before any data.
  if (process.env.WRITE_COST_SETUP_SQL) await pool.query(process.env.WRITE_COST_SETUP_SQL);
  const stats = (await pool.query(`select 1 from pg_available_extensions where name = 'pg_stat_statements'`)).rowCount
    ? await pool.query(`create extension if not exists pg_stat_statements`).then(
        () => true,
        () => false,
      )
    : false;
  await upsertProducts(
    db,
    SKUS.map((sku, i) => ({ sku, name: `Bench product ${i}`, tax_rate: i % 2 ? '0.18' : '0.08', online: true, image: null, attributes: {} })),
  );
  await upsertPriceList(
    db,
    'default',
    'USD',
    SKUS.map((sku, i) => ({ sku, price: `${(i + 1) * 3}.99`, retail_price: null })),
  );
  await upsertStockList(
    db,
    'default',
    SKUS.map((sku) => ({ sku, quantity: 100_000_000 })),
  );

  // WRITE_COST_WARM_BASKETS=n: the worker keeps the last written state of up to n baskets (warm-states.ts), as a service worker does.
  const warmCapacity = Number(process.env.WRITE_COST_WARM_BASKETS ?? 0);
  let deps: ApplyDeps = {
    db,
    pool,
    limits: { maxLineQuantity: 999, maxLines: 50 },
    reservationTtlSeconds: 600,
    now: () => new Date(),
    ...(warmCapacity > 0 ? { warm: new WarmStates(warmCapacity) } : {}),
  };
  const job = (basketId: string, command: MutationCommand): MutationJob => ({
    mutationId: randomUUID(),
    basketId,
    ownerId: 'bench-shopper',
    role: 'agent',
    command,
    idempotencyKey: null,
    requestHash: null,
    enqueuedAt: new Date().toISOString(),
    replyTo: null,
  });
  const baskets = Array.from({ length: BASKETS }, () => randomUUID());
  for (const id of baskets) await applyMutationJob(deps, job(id, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }));
  const add = async () => {
    const id = baskets[Math.floor(Math.random() * baskets.length)]!;
    const sku = SKUS[Math.floor(Math.random() * SKUS.length)]!;
    const r = await applyMutationJob(deps, job(id, { kind: 'add_items', items: [{ sku, quantity: 1 }] }));
    if (r.outcome.status !== 'applied') throw new Error(`add: ${JSON.stringify(r.outcome)}`);
    return r.snapshotJson?.length ?? 0;
  };
  for (let i = 0; i < WARM; i++) await add();
  // A fresh connection for the measured part: a session keeps the plans it made at its first call (PL/pgSQL
  // caches them; autovacuum is off, so no ANALYZE invalidates them), and plans made on empty tables would
  // measure a start-up artefact. The bench's pipeline likewise starts after its inline baseline filled the tables.
  await db.destroy();
  ({ db, pool } = openDatabase(URL_, 1));
  deps = { ...deps, db, pool };

  const [{ pid }] = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [{ pid: number }];
  if (stats) await pool.query('select pg_stat_statements_reset()');
  const lsn0 = (await pool.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
  const cpu0 = cpuMs(pid);
  const node0 = process.cpuUsage();
  let snapshotChars = 0;
  // In rounds: on a shared machine other load only ever adds to a process's CPU time (cache and core
  // contention), so the least CPU per add over the rounds is the steadier figure; the median is beside it.
  const perRound: number[] = [];
  const workerPerRound: number[] = [];
  const roundSize = Math.ceil(ADDS / ROUNDS);
  for (let done = 0; done < ADDS;) {
    const n = Math.min(roundSize, ADDS - done);
    const start = cpuMs(pid);
    const nodeStart = process.cpuUsage();
    for (let i = 0; i < n; i++) snapshotChars += await add();
    perRound.push((cpuMs(pid) - start) / n);
    const nodeRound = process.cpuUsage(nodeStart);
    workerPerRound.push((nodeRound.user + nodeRound.system) / 1000 / n);
    done += n;
  }
  const cpu1 = cpuMs(pid);
  const node1 = process.cpuUsage(node0);
  const sorted = [...perRound].sort((a, b) => a - b);
  const workerSorted = [...workerPerRound].sort((a, b) => a - b);
  const wal = (await pool.query<{ b: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as b`, [lsn0])).rows[0]!.b;

  console.log(`${ADDS} adds over ${BASKETS} baskets (after ${WARM} warm-up adds); snapshot ${Math.round(snapshotChars / ADDS)} chars on average`);
  console.log(
    `backend CPU per add: ${((cpu1 - cpu0) / ADDS).toFixed(3)} ms; rounds of ${roundSize}: least ${sorted[0]!.toFixed(3)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)}  (pid ${pid}, /proc utime+stime)`,
  );
  console.log(`WAL per add: ${(Number(wal) / ADDS).toFixed(0)} bytes  (server-wide lsn difference: keep the server private)`);
  console.log(
    `worker process CPU per add (apply + pricing + pg client): ${((node1.user + node1.system) / 1000 / ADDS).toFixed(3)} ms (user ${(node1.user / 1000 / ADDS).toFixed(3)}, system ${(node1.system / 1000 / ADDS).toFixed(3)}); rounds: least ${workerSorted[0]!.toFixed(3)}, median ${workerSorted[Math.floor(workerSorted.length / 2)]!.toFixed(3)}`,
  );
  if (stats) {
    const { rows } = await pool.query<{ query: string; calls: string; ms: number; wal_records: string; wal_bytes: string; wal_fpi: string }>(
      `select left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as query, calls, total_exec_time + total_plan_time as ms, wal_records, wal_bytes, wal_fpi
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) and calls >= ${ADDS / 2}
       order by total_exec_time desc`,
    );
    console.log('per statement, per call: exec+plan ms · WAL records · WAL bytes · full-page images');
    for (const r of rows) {
      const c = Number(r.calls);
      console.log(
        `  ${(r.ms / c).toFixed(3)} ms · ${(Number(r.wal_records) / c).toFixed(1)} rec · ${(Number(r.wal_bytes) / c).toFixed(0)} B · ${(Number(r.wal_fpi) / c).toFixed(2)} fpi  ${r.calls}×  ${r.query}`,
      );
    }
  }
  const { rows: sizes } = await pool.query(
    // Each table and its TOAST relation (out-of-line values: a rewritten one leaves a dead TOAST row).
    `select coalesce(owner.relname || ' (TOAST)', s.relname) as relname, s.n_live_tup, s.n_dead_tup,
            pg_size_pretty(pg_total_relation_size(s.relid)) as size
     from pg_stat_all_tables s left join pg_class owner on owner.reltoastrelid = s.relid
     where coalesce(owner.relname, s.relname) in ('baskets', 'mutations', 'basket_lines', 'reservations', 'stocks', 'stock_watch')
       and (s.schemaname = 'public' or owner.relnamespace = 'public'::regnamespace)
     order by 1`,
  );
  if (deps.warm) {
    // The heap the kept states take: measured by dropping them (a full GC before each reading).
    const gc = vm.runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const kept = deps.warm.size;
    const withStates = heap();
    const { hits, misses } = deps.warm;
    deps = { ...deps, warm: new WarmStates(warmCapacity) };
    const without = heap();
    console.log(`warm states: ${hits} hits, ${misses} misses; ${kept} kept, ${((withStates - without) / kept / 1024).toFixed(1)} KB of heap each`);
  }
  console.log('tables (live / dead / total size):');
  for (const s of sizes) console.log(`  ${s.relname}: ${s.n_live_tup} / ${s.n_dead_tup} / ${s.size}`);
  if (process.env.WRITE_COST_EXPLAIN) {
    // A few more adds with auto_explain on (superuser only): each statement's plan, timings and WAL in the server log.
    await pool.query(`load 'auto_explain'`);
    await pool.query(
      `set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_wal = on; set auto_explain.log_buffers = on; set auto_explain.log_nested_statements = ${process.env.WRITE_COST_EXPLAIN_NESTED ? 'on' : 'off'}`,
    );
    for (let i = 0; i < Number(process.env.WRITE_COST_EXPLAIN); i++) await add();
    await pool.query(`set auto_explain.log_min_duration = -1`);
  }
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
