/**
 * A Redis Cluster master killed with kill -9 under load (3 masters + 3 replicas, started by the test):
 *  - every 200 is in PostgreSQL exactly once, every 503 was not applied, every 202 is applied in the end,
 *    and each basket's adds are applied in the order they were accepted;
 *  - every lane and the expiry queue apply a new job within 15 s of the kill (one probe basket per lane;
 *    the killed master is the one serving the expiry queue's slot);
 *  - worker processes then shut down cleanly (exit 0) although one node is gone.
 * It prints the outage per lane (kill → first probe applied) and the watchdog's recreations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Queue } from 'bullmq';
import { ownCluster, type OwnCluster } from '../support/own-cluster.js';
import { seedProducts, Shopper, startHarness, testEnv, type Harness } from '../support/harness.js';
import { startService, stopService, type ServiceProcess } from '../support/processes.js';
import { laneOf, bullPrefix } from '../../src/queue/lanes.js';
import { EXPIRY_QUEUE } from '../../src/bootstrap/expiry-scheduler.js';
import type { RedisClient } from '../../src/redis/client.js';

const LANES = 8;
const LOAD_BASKETS = 12;
const PROBE_DEADLINE_MS = 15_000;

let cluster: OwnCluster;
let h: Harness;
let env: Record<string, string>;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  cluster = await ownCluster();
  env = testEnv({
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    LANES: String(LANES),
    LOG_LEVEL: 'info',
    SYNC_WAIT_MS: '2000',
    LANE_WATCHDOG_MS: '3000',
    EXPIRY_SWEEP_MS: '500',
    JOB_LOCK_MS: '3000',
    JOB_STALLED_CHECK_MS: '1000',
  });
  h = await startHarness({ ...env, LOG_LEVEL: 'silent' }, { workers: false });
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((c) => stopService(c, 'SIGKILL')));
  await h?.close().catch(() => undefined);
  await cluster?.destroy();
});

/** The master port serving `key`'s slot. */
async function masterOf(redis: RedisClient, key: string): Promise<number> {
  const slot = (await redis.cluster('KEYSLOT', key)) as number;
  const ranges = (await redis.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  if (!range) throw new Error(`no master for slot ${slot}`);
  return range[2][1];
}

describe('a Redis Cluster master killed under load', () => {
  it('loses no acknowledged write, applies nothing refused, and every lane and the expiry queue resume within 15 s', async () => {
    const sku = `${h.tag}-fo`;
    await seedProducts(h, [{ sku, price: '1.00' }]);
    for (let i = 0; i < 2; i++) children.push(startService('workers/mutation.worker.ts', env));
    await Promise.all(children.map((c) => c.waitFor(/mutation workers started/, 90_000)));
    const shopper = new Shopper(h);

    // One probe basket per lane, and baskets for the load.
    const probes = new Map<number, string>();
    while (probes.size < LANES) {
      const id = await shopper.createBasket();
      const lane = laneOf(id, LANES);
      if (!probes.has(lane)) probes.set(lane, id);
    }
    const load: string[] = [];
    for (let i = 0; i < LOAD_BASKETS; i++) load.push(await shopper.createBasket());

    // Load: each basket a sequence of synchronous adds, each carrying its sequence number.
    const sent: { basket: string; seq: number; status: number; mutation: string | null }[] = [];
    let stop = false;
    const loops = load.map(async (basket) => {
      for (let seq = 0; !stop; seq++) {
        const r = await shopper.addItems(basket, [{ product_id: sku, quantity: 1, c_seq: seq } as never]);
        const location = r.headers.location as string | undefined;
        sent.push({ basket, seq, status: r.statusCode, mutation: location ? location.split('/').pop()! : null });
        if (r.statusCode === 503) await new Promise((res) => setTimeout(res, 100));
      }
    });
    await new Promise((r) => setTimeout(r, 2500));

    const expiryPrefix = bullPrefix(env.REDIS_PREFIX!, 'expiry');
    const victim = await masterOf(h.res.redis, `${expiryPrefix}:${EXPIRY_QUEUE}:meta`);
    const lanesOnVictim = await Promise.all(
      [...probes.keys()].map(async (k) => ((await masterOf(h.res.redis, `${h.config.REDIS_PREFIX}:{lane-${k}}:x`)) === victim ? k : -1)),
    );
    const killedAt = Date.now();
    await cluster.kill(victim);
    // Anything finished after this instant was written to a live master (the victim has exited).
    const deadAt = Date.now();

    // Probes: each lane on its own, an async add into its basket every 500 ms until one of them is applied.
    const applied = new Map<number, number>();
    const probeIds = new Map<number, string[]>();
    const probeStatuses: number[] = [];
    const deadline = killedAt + PROBE_DEADLINE_MS + 5000;
    const probing = [...probes].map(async ([lane, basket]) => {
      const ids: string[] = [];
      probeIds.set(lane, ids);
      while (!applied.has(lane) && Date.now() < deadline) {
        const r = await shopper.addItems(basket, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
        probeStatuses.push(r.statusCode);
        if (r.statusCode === 202) ids.push((r.headers.location as string).split('/').pop()!);
        const end = Date.now() + 500;
        while (ids.length && Date.now() < end) {
          const { rows } = await sql<{ finished_at: Date }>`
            select finished_at from mutations where id = any(${ids}::uuid[]) and status = 'applied' order by finished_at limit 1`.execute(h.res.db);
          if (rows[0]) {
            applied.set(lane, rows[0].finished_at.getTime() - killedAt);
            break;
          }
          await new Promise((res) => setTimeout(res, 100));
        }
        if (!ids.length) await new Promise((res) => setTimeout(res, 500));
      }
    });
    // The expiry queue: a sweep completed after the kill.
    const expiry = new Queue(EXPIRY_QUEUE, { connection: h.res.redis, prefix: expiryPrefix });
    expiry.on('error', () => undefined);
    let expiryAt: number | null = null;
    while (expiryAt === null && Date.now() < deadline) {
      const done = await expiry.getCompleted(0, 4).catch(() => []);
      const after = done.map((j) => j.finishedOn ?? 0).filter((t) => t > deadAt);
      if (after.length) expiryAt = Math.min(...after) - killedAt;
      else await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all(probing);
    stop = true;
    await Promise.all(loops);
    await expiry.close();

    const outages = [...applied.values()].sort((a, b) => a - b);
    const recreated = children.map((c) => [...c.output().matchAll(/"queue":"([^"]+)"[^\n]*lane worker recreated/g)].map((m) => m[1]));
    console.warn(
      JSON.stringify({
        failover: {
          victim,
          lanesOnVictim: lanesOnVictim.filter((k) => k >= 0),
          outageMsPerLane: Object.fromEntries([...applied].sort(([a], [b]) => a - b)),
          p50: outages[Math.floor(outages.length / 2)],
          max: outages.at(-1),
          expiryMs: expiryAt,
          recreated,
          statuses: count(sent.map((s) => s.status)),
          probeStatuses: count(probeStatuses),
        },
      }),
    );
    expect([...applied.keys()].sort()).toEqual([...probes.keys()].sort());
    expect(outages.at(-1)!).toBeLessThanOrEqual(PROBE_DEADLINE_MS);
    expect(expiryAt).not.toBeNull();
    expect(expiryAt!).toBeLessThanOrEqual(PROBE_DEADLINE_MS);

    // Every 202 (load and probes) applied in the end.
    const pending = [...sent.filter((s) => s.status === 202).map((s) => s.mutation!), ...[...probeIds.values()].flat()];
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from mutations where id = any(${pending}::uuid[]) and status = 'applied'`.execute(
        h.res.db,
      );
      return rows[0]!.n === pending.length;
    }, 60_000);

    // The load's invariants, basket by basket, from PostgreSQL.
    expect(sent.filter((s) => ![200, 202, 503].includes(s.status))).toEqual([]);
    for (const basket of load) {
      const mine = sent.filter((s) => s.basket === basket);
      const { rows } = await sql<{ seq: number; version: number }>`
        select (payload->'items'->0->'custom'->>'c_seq')::int as seq, version from mutations
        where basket_id = ${basket} and kind = 'add_items' and status = 'applied' order by version`.execute(h.res.db);
      const appliedSeqs = rows.map((r) => r.seq);
      // Exactly once: no sequence number applied twice; 200 and 202 applied; 503 not applied.
      expect(new Set(appliedSeqs).size).toBe(appliedSeqs.length);
      for (const s of mine) {
        if (s.status === 503) expect(appliedSeqs, `503 of seq ${s.seq} was applied`).not.toContain(s.seq);
        else expect(appliedSeqs, `${s.status} of seq ${s.seq} not applied`).toContain(s.seq);
      }
      // In acceptance order (sequence numbers grow with the version).
      expect(appliedSeqs).toEqual([...appliedSeqs].sort((a, b) => a - b));
      // The basket holds exactly what was applied.
      const line = await h.res.db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', basket).executeTakeFirst();
      expect(line?.quantity ?? 0).toBe(appliedSeqs.length);
    }

    // Replies still come back (ioredis subscribed again if the reply channel's shard was the one that failed).
    const replyOnVictim = (await masterOf(h.res.redis, h.api.submitter['deps'].replies.channel).catch(() => -1)) === victim;
    for (const basket of probes.values()) {
      await waitFor(async () => (await shopper.addItems(basket, [{ product_id: sku, quantity: 1 }])).statusCode === 200, 15_000);
    }
    console.warn(JSON.stringify({ replyChannelOnVictim: replyOnVictim }));

    // Shutdown does not hang on the dead node.
    for (const c of children) expect(await stopService(c, 'SIGTERM')).toBe(0);
  }, 180_000);
});

function count(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}
