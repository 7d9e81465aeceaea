/**
 * The lanes' own Redis work per job, without PostgreSQL or HTTP: `node --import tsx test/bench/queue-redis.ts`.
 * Starts a redis-server of its own, adds QUEUE_BENCH_JOBS (default 6,000) mutation-shaped jobs through the
 * service's LaneQueues into 64 lanes, 64 at a time (each client adds one job and waits for it, as a sync
 * write does), and processes them with SupervisedWorkers built with the service's worker options; the
 * processor does nothing but, with QUEUE_BENCH_AFTER=steps or =one, the worker's after-commit Redis work
 * on a ~7 KB snapshot (cache write, pending-set release, reply and event publish: process-mutation.ts),
 * as one command each (`steps`, a cluster's path) or as one script (`one`, `afterCommitInOneTrip`).
 * Prints redis-server CPU (utime + stime) per job, this process's CPU per job, and INFO commandstats per job.
 * A change to the queue options is measured by running this before and after it (the figures hold on a
 * busy machine far better than the full bench's, since nothing else shares this redis-server).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { LaneQueues } from '../../src/queue/lane-queues.js';
import { laneBullPrefix, laneQueueName } from '../../src/queue/lanes.js';
import { SupervisedWorker } from '../../src/queue/supervised-worker.js';
import { laneWorkerOptions } from '../../src/bootstrap/worker-process.js';
import type { MutationJob } from '../../src/contracts/mutation-job.js';
import { SnapshotCache } from '../../src/cache/snapshot-cache.js';
import { pendingKey } from '../../src/queue/basket-backpressure.js';
import { basketEventChannel } from '../../src/queue/basket-events.js';
import type { BasketSnapshot } from '../../src/contracts/basket-snapshot.js';
import { ownRedis } from '../support/own-services.js';
import { processCpuMs } from './cpu.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 6000);
const CLIENTS = 64;
const LANES = 64;
const BASKETS = 1000;
const AFTER = process.env.QUEUE_BENCH_AFTER ?? '';

type Stats = Map<string, { calls: number; usec: number }>;
async function commandStats(redis: Redis): Promise<Stats> {
  const stats: Stats = new Map();
  for (const line of (await redis.info('commandstats')).split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

const server = await ownRedis();
const prefix = `qb${randomUUID().slice(0, 6)}`;
const redis = new Redis(server.url, { maxRetriesPerRequest: null });
const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
const lanes = new LaneQueues(redis, prefix, LANES);
await lanes.enforceSerialLanes();
const waiting = new Map<string, () => void>();
const cache = new SnapshotCache(redis, prefix, 3600);
const versions = new Map<string, number>();
const filler = 'x'.repeat(7000);
async function afterCommit(job: MutationJob): Promise<void> {
  const version = (versions.get(job.basketId) ?? 0) + 1;
  versions.set(job.basketId, version);
  const snapshot = { id: job.basketId, version, ownerId: job.ownerId, siteId: 'default', status: 'active' } as BasketSnapshot;
  const body = JSON.stringify({ ...snapshot, filler });
  const reply = `{"status":"applied","mutationId":"${job.mutationId}","basketId":"${job.basketId}","version":${version},"snapshot":${body}}`;
  const pending = pendingKey(prefix, job.basketId);
  const events = basketEventChannel(prefix, job.basketId);
  if (AFTER === 'one') {
    await cache.writeIfNewerThen(snapshot, body, {
      release: [[pending, job.mutationId]],
      publish: [
        [job.replyTo!, reply],
        [events, String(version)],
      ],
    });
  } else {
    await cache.writeIfNewer(snapshot, body);
    await redis.zrem(pending, job.mutationId);
    await Promise.all([redis.publish(job.replyTo!, reply), redis.publish(events, String(version))]);
  }
}
const workerConnection = new Redis(server.url, { maxRetriesPerRequest: null });
const workers = Array.from(
  { length: LANES },
  (_, lane) =>
    new SupervisedWorker<MutationJob>({
      queueName: laneQueueName(lane),
      serial: true,
      prefix: laneBullPrefix(prefix, lane),
      connection: workerConnection,
      processor: async (job) => {
        if (AFTER) await afterCommit(job.data);
        waiting.get(job.data.mutationId)?.();
      },
      workerOptions: laneWorkerOptions({ JOB_LOCK_MS: 10_000, JOB_STALLED_CHECK_MS: 5_000 }),
      onError: () => undefined,
    }),
);
const baskets = Array.from({ length: BASKETS }, () => randomUUID());
const jobOf = (basketId: string): MutationJob => ({
  mutationId: randomUUID(),
  basketId,
  ownerId: 'bench-shopper',
  role: 'agent',
  command: { kind: 'add_items', items: [{ sku: 'BENCH-7', quantity: 1 }] } as unknown as MutationJob['command'],
  idempotencyKey: null,
  requestHash: null,
  enqueuedAt: new Date().toISOString(),
  replyTo: `${prefix}:reply:api-1`,
});

async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next++ < n) {
        const job = jobOf(baskets[Math.floor(Math.random() * BASKETS)]!);
        const done = new Promise<void>((r) => waiting.set(job.mutationId, r));
        await lanes.addTo(lanes.laneFor(job.basketId), job);
        await done;
        waiting.delete(job.mutationId);
      }
    }),
  );
}

try {
  await run(Math.min(1000, JOBS)); // warm-up: scripts loaded, every lane's finished set at its bound
  const before = { redis: processCpuMs(pid)!, self: process.cpuUsage(), stats: await commandStats(redis), at: performance.now() };
  await run(JOBS);
  const self = process.cpuUsage(before.self);
  const after = { redis: processCpuMs(pid)!, stats: await commandStats(redis), at: performance.now() };
  const per = [...after.stats]
    .map(([cmd, s]) => ({ cmd, calls: (s.calls - (before.stats.get(cmd)?.calls ?? 0)) / JOBS, usec: (s.usec - (before.stats.get(cmd)?.usec ?? 0)) / JOBS }))
    .filter((x) => x.calls >= 0.01)
    .sort((a, b) => b.usec - a.usec);
  const total = per.reduce((t, x) => ({ calls: t.calls + x.calls, usec: t.usec + x.usec }), { calls: 0, usec: 0 });
  process.stdout.write(
    `${JOBS} jobs in ${((after.at - before.at) / 1000).toFixed(1)} s; per job: redis-server CPU ${((after.redis - before.redis) / JOBS).toFixed(3)} ms, ` +
      `this process (producer + workers) ${((self.user + self.system) / 1000 / JOBS).toFixed(3)} ms, ` +
      `${total.calls.toFixed(1)} commands, ${total.usec.toFixed(0)} µs command time\n`,
  );
  for (const x of per) process.stdout.write(`  ${x.cmd.padEnd(18)} ${x.calls.toFixed(2).padStart(6)}×  ${x.usec.toFixed(1).padStart(7)} µs\n`);
} finally {
  await Promise.all(workers.map((w) => w.close()));
  await lanes.close();
  workerConnection.disconnect();
  redis.disconnect();
  await server.destroy();
}
