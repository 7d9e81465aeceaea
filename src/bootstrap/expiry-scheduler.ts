/**
 * The expiry scheduler: a BullMQ job scheduler on queue `basket-expiry` that fires a sweep every
 * EXPIRY_SWEEP_MS (and a retention sweep every RETENTION_SWEEP_MS), and a worker (concurrency 1) that runs it: expired holdings first, then the baskets
 * whose units moved under them (stock revisits). Any number of processes may start it:
 * the scheduler is upserted idempotently and each tick is one job, taken by one worker.
 */
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { bullPrefix } from '../queue/lanes.js';
import { laneProducers } from './lane-producers.js';
import { sweepExpiredReservations } from '../application/sweep-expired-reservations.js';
import { SupervisedWorker } from '../queue/supervised-worker.js';
import { closeRedis } from '../redis/client.js';
import { rejudgeEveryWatcher, revisitStockWatchers } from '../application/revisit-stock-watchers.js';
import type { Resources } from './resources.js';
import { RUN_RETRY_DELAY_MS, startWatchdog } from './worker-process.js';
import { sweepRetention, type RetentionPolicy } from '../application/retention-sweep.js';

/** What the configuration keeps; the mutation log never for less than an Idempotency-Key's ticket. */
export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    mutationSeconds: Math.max(config.RETENTION_MUTATION_SECONDS, config.IDEMPOTENCY_TTL_SECONDS),
    deletedBasketSeconds: config.RETENTION_DELETED_BASKET_SECONDS,
    abandonedBasketSeconds: config.RETENTION_ABANDONED_BASKET_SECONDS,
    batch: config.RETENTION_BATCH,
    maxBatches: 100,
    pauseMs: 20,
  };
}

export const EXPIRY_QUEUE = 'basket-expiry';

export function expiryQueue(config: Config, res: Resources): Queue {
  const queue = new Queue(EXPIRY_QUEUE, {
    connection: res.redis,
    prefix: bullPrefix(config.REDIS_PREFIX, 'expiry'),
    defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  });
  // Connection trouble is logged by the connection itself; without a listener BullMQ prints it raw.
  queue.on('error', () => undefined);
  return queue;
}

export async function startExpiryScheduler(config: Config, res: Resources, logger: Logger): Promise<{ close(): Promise<void> }> {
  const queue = expiryQueue(config, res);
  // News a drain took and lost when its process died is found again by judging every watcher afresh.
  const watched = await rejudgeEveryWatcher(res.db);
  if (watched > 0) logger.info({ skus: watched }, 'watched SKUs flagged for a fresh stock judgement');
  await queue.upsertJobScheduler('sweep-expired-reservations', { every: config.EXPIRY_SWEEP_MS }, { name: 'sweep' });
  await queue.upsertJobScheduler('retention', { every: config.RETENTION_SWEEP_MS }, { name: 'retention' });
  const { lanes } = laneProducers(config, res.redis, logger);
  const connection = res.newRedis();
  // Supervised like a lane: after a failover its worker is recreated if the sweeps stop (a due sweep waits).
  const worker = new SupervisedWorker({
    queueName: EXPIRY_QUEUE,
    serial: false,
    prefix: bullPrefix(config.REDIS_PREFIX, 'expiry'),
    connection,
    processor: async (job) => {
      if (job.name === 'retention') {
        const deleted = await sweepRetention(res.db, retentionPolicy(config), new Date());
        if (deleted.mutations + deleted.baskets > 0) logger.info(deleted, 'retention: old rows deleted');
        return deleted;
      }
      const deps = { db: res.db, lanes, now: () => new Date() };
      const enqueued = await sweepExpiredReservations(deps, config.EXPIRY_BATCH);
      if (enqueued > 0) logger.info({ enqueued }, 'expired reservations: mutations enqueued');
      // Baskets that lost (or may regain) units they do not hold: re-priced through their lanes.
      const revisited = await revisitStockWatchers(deps, config.EXPIRY_BATCH);
      if (revisited.baskets > 0) logger.info(revisited, 'stock moved under watching baskets: recalculations enqueued');
      return { enqueued, revisited };
    },
    workerOptions: { concurrency: 1, runRetryDelay: RUN_RETRY_DELAY_MS },
    onError: (err) => logger.warn({ err: { message: err.message } }, 'expiry worker error'),
  });
  const watchdog = startWatchdog(config, res, logger, () => [worker]);
  logger.info({ everyMs: config.EXPIRY_SWEEP_MS }, 'expiry scheduler started');
  return {
    async close() {
      await watchdog.stop();
      await worker.close();
      await closeRedis(connection);
      await lanes.close();
      await queue.close();
    },
  };
}
