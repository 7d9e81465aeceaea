/**
 * CPU accounting for the benchmark: each component's CPU time (utime + stime) from its own process
 * accounting, so CPU per mutation holds on a shared, noisy machine where wall-clock rates do not.
 *
 * Components: the API and worker processes (their pids), the PostgreSQL backends serving the bench's
 * database (pg_stat_activity pids, read from /proc: the server runs on this machine), the redis-server
 * processes (INFO `process_id` of each master) and the load generator (this process, `process.cpuUsage`).
 * A backend that starts during a window counts from zero (its whole life is inside it); one that ends
 * inside a window is missed (the pools keep theirs while under load).
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type pg from 'pg';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of one process in ms, or null when it is gone (or not on this machine). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface CpuTargets {
  readonly api: number;
  /** The worker processes (their CPU is summed). */
  readonly workers?: readonly number[];
  readonly redisPids: readonly number[];
  /** A client on the bench's database: its backends are the ones whose CPU counts. */
  readonly db: pg.Client;
  readonly dbName: string;
}

export interface CpuSample {
  readonly api: number;
  readonly worker: number;
  readonly backends: ReadonlyMap<number, number>;
  readonly redis: number;
  readonly generator: number;
}

/** CPU ms per component; `total` sums them. */
export interface CpuSplit {
  readonly api: number;
  readonly worker: number;
  readonly postgres: number;
  readonly redis: number;
  readonly generator: number;
  readonly total: number;
}

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);

export async function sampleCpu(t: CpuTargets): Promise<CpuSample> {
  const { rows } = await t.db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [t.dbName]);
  const backends = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = processCpuMs(pid);
    if (ms !== null) backends.set(pid, ms);
  }
  const usage = process.cpuUsage();
  return {
    api: processCpuMs(t.api) ?? 0,
    worker: sum((t.workers ?? []).map((p) => processCpuMs(p) ?? 0)),
    backends,
    redis: sum(t.redisPids.map((p) => processCpuMs(p) ?? 0)),
    generator: (usage.user + usage.system) / 1000,
  };
}

/** CPU between two samples, divided by `per` (the operations done in between). */
export function cpuPer(a: CpuSample, b: CpuSample, per: number): CpuSplit {
  const postgres = sum([...b.backends].map(([pid, ms]) => ms - (a.backends.get(pid) ?? 0)));
  const n = Math.max(per, 1);
  const split = {
    api: (b.api - a.api) / n,
    worker: (b.worker - a.worker) / n,
    postgres: postgres / n,
    redis: (b.redis - a.redis) / n,
    generator: (b.generator - a.generator) / n,
  };
  return { ...split, total: split.api + split.worker + split.postgres + split.redis + split.generator };
}

/** `api/worker/pg/redis/gen = total`, ms with two decimals. */
export function formatCpu(c: CpuSplit): string {
  const f = (x: number) => x.toFixed(2);
  return `${f(c.api)}/${f(c.worker)}/${f(c.postgres)}/${f(c.redis)}/${f(c.generator)} = ${f(c.total)}`;
}

/** Dead and live rows, and how many updates were HOT, per table of the bench's database. */
export async function deadRows(db: pg.Client): Promise<{ table: string; live: number; dead: number; updates: number; hot: number }[]> {
  // The statistics collector flushes at most once a second.
  await new Promise((r) => setTimeout(r, 1500));
  await db.query('select pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ table: string; live: string; dead: string; updates: string; hot: string }>(
    // A table's TOAST relation too (its out-of-line values: a rewritten one leaves a dead TOAST row).
    `select coalesce(owner.relname || ' (TOAST)', s.relname) as table, s.n_live_tup as live, s.n_dead_tup as dead,
            s.n_tup_upd as updates, s.n_tup_hot_upd as hot
     from pg_stat_all_tables s left join pg_class owner on owner.reltoastrelid = s.relid
     where (s.schemaname = 'public' or owner.relnamespace = 'public'::regnamespace) and s.n_live_tup + s.n_dead_tup > 0
     order by s.n_dead_tup desc, 1`,
  );
  return rows.map((r) => ({ table: r.table, live: Number(r.live), dead: Number(r.dead), updates: Number(r.updates), hot: Number(r.hot) }));
}
