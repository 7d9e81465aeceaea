/**
 * The expiry scheduler: a BullMQ job scheduler on queue `basket-expiry` that fires a sweep every
 * EXPIRY_SWEEP_MS, and a worker (concurrency 1) that runs it. Any number of processes may start it:
 * the scheduler is upserted idempotently and each tick is one job, taken by one worker.
 */
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { bullPrefix } from '../queue/lanes.js';
import { LaneQueues } from '../queue/lane-queues.js';
import { sweepExpiredReservations } from '../application/sweep-expired-reservations.js';
import type { Resources } from './resources.js';

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
  await queue.upsertJobScheduler('sweep-expired-reservations', { every: config.EXPIRY_SWEEP_MS }, { name: 'sweep' });
  const lanes = new LaneQueues(res.redis, config.REDIS_PREFIX, config.LANES, (err) => logger.debug({ err: { message: err.message } }, 'lane queue error'), config.FAILED_JOBS_KEPT);
  const connection = res.newRedis();
  const worker = new Worker(
    EXPIRY_QUEUE,
    async () => {
      const enqueued = await sweepExpiredReservations({ db: res.db, lanes, now: () => new Date() }, config.EXPIRY_BATCH);
      if (enqueued > 0) logger.info({ enqueued }, 'expired reservations: mutations enqueued');
      return { enqueued };
    },
    { connection, prefix: bullPrefix(config.REDIS_PREFIX, 'expiry'), concurrency: 1 },
  );
  worker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'expiry worker error'));
  logger.info({ everyMs: config.EXPIRY_SWEEP_MS }, 'expiry scheduler started');
  return {
    async close() {
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
      await lanes.close();
      await queue.close();
    },
  };
}
