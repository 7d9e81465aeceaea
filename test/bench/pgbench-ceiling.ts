/**
 * The database's own ceiling for the work one add-to-cart does: pgbench runs a basket-shaped transaction
 * (read the basket and its lines, take a unit of stock, hold it, upsert the line, bump the basket's
 * version, append a log record: 7 statements) on a scratch database `basket_pgbench`, same server, same
 * run. Its backends' CPU per transaction (sampled from /proc while it runs) is PostgreSQL's floor for that
 * shape of work.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { processCpuMs } from './cpu.js';

const SCHEMA = `
  create table pb_baskets (id int primary key, version int not null, total numeric not null, snapshot text not null) with (fillfactor = 80);
  create table pb_lines (basket_id int not null, sku int not null, quantity int not null, primary key (basket_id, sku)) with (fillfactor = 80);
  create table pb_stocks (sku int primary key, on_hand int not null, reserved int not null) with (fillfactor = 50);
  create table pb_reservations (basket_id int not null, sku int not null, quantity int not null, primary key (basket_id, sku)) with (fillfactor = 80);
  create table pb_mutations (id bigserial primary key, basket_id int not null, version int not null, payload jsonb not null);
  insert into pb_baskets select g, 1, 0, repeat('x', 500) from generate_series(1, 1000) g;
  insert into pb_stocks select g, 100000000, 0 from generate_series(1, 20) g;`;

const SCRIPT = `\\set b random(1, 1000)
\\set s random(1, 20)
BEGIN;
SELECT version, total, snapshot FROM pb_baskets WHERE id = :b;
SELECT sku, quantity FROM pb_lines WHERE basket_id = :b;
UPDATE pb_stocks SET reserved = reserved + 1 WHERE sku = :s AND on_hand - reserved >= 1;
INSERT INTO pb_reservations (basket_id, sku, quantity) VALUES (:b, :s, 1) ON CONFLICT (basket_id, sku) DO UPDATE SET quantity = pb_reservations.quantity + 1;
INSERT INTO pb_lines (basket_id, sku, quantity) VALUES (:b, :s, 1) ON CONFLICT (basket_id, sku) DO UPDATE SET quantity = pb_lines.quantity + 1;
UPDATE pb_baskets SET version = version + 1, total = total + 1 WHERE id = :b;
INSERT INTO pb_mutations (basket_id, version, payload) VALUES (:b, 1, '{"kind": "add_item", "quantity": 1}');
END;
`;

export interface Ceiling {
  readonly tps: number;
  /** CPU ms of the pgbench backends per transaction. */
  readonly backendCpuMs: number;
  readonly clients: number;
}

export async function pgbenchCeiling(serverUrl: string, seconds: number, clients = 16): Promise<Ceiling> {
  // BENCH_PGBENCH_DATABASE: another name, so benches run side by side do not drop each other's scratch database.
  const name = process.env.BENCH_PGBENCH_DATABASE ?? 'basket_pgbench';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_PGBENCH_DATABASE must be a plain lower-case name, not ${name}`);
  const url = new URL(serverUrl);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  url.pathname = `/${name}`;
  const scratch = new pg.Client({ connectionString: url.toString() });
  await scratch.connect();
  await scratch.query(SCHEMA);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'basket-pgbench-'));
  const script = path.join(dir, 'basket.sql');
  fs.writeFileSync(script, SCRIPT);
  // The backends' CPU, sampled while they live (they end with pgbench): the last reading of each counts.
  const seen = new Map<number, number>();
  const poll = async () => {
    const { rows } = await scratch.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [name]);
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms !== null) seen.set(pid, ms);
    }
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await poll().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const env = {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username || 'postgres'),
    PGPASSWORD: decodeURIComponent(url.password),
  };
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, name],
      { env, maxBuffer: 10_000_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`pgbench: ${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  polling = false;
  await poller;
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
  const cpu = [...seen.values()].reduce((a, b) => a + b, 0);
  await scratch.end();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  fs.rmSync(dir, { recursive: true, force: true });
  return { tps, backendCpuMs: cpu / Math.max(transactions, 1), clients };
}
