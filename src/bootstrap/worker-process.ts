/**
 * Composition of the mutation workers: one BullMQ Worker per lane, each with concurrency 1 (and the
 * lane's global concurrency 1 across processes). A crashed worker's job is taken over after
 * JOB_LOCK_MS; stalled jobs go back to the head of their lane, so order holds.
 */
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { laneBullPrefix, laneQueueName } from '../queue/lanes.js';
import { failedJobData } from '../queue/lane-queues.js';
import { processMutation, type ProcessDeps } from '../application/process-mutation.js';
import type { MutationJob } from '../contracts/mutation-job.js';
import type { Resources } from './resources.js';
import { BasketEventPublisher } from '../queue/basket-events.js';

export interface WorkerProcess {
  readonly workers: readonly Worker[];
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/** What applying mutations needs in this process, with metrics recorded per outcome. */
export function mutationProcessDeps(config: Config, res: Resources, logger: Logger): ProcessDeps {
  return {
    db: res.db,
    pool: res.pool,
    cache: res.cache,
    publisher: res.redis,
    events: new BasketEventPublisher(res.redis, config.REDIS_PREFIX),
    logger,
    limits: { maxLineQuantity: config.MAX_LINE_QUANTITY, maxLines: config.MAX_LINES, custom: { maxCount: config.MAX_CUSTOM_PROPERTIES, maxBytes: config.MAX_CUSTOM_PROPERTY_BYTES } },
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    pendingPrefix: config.REDIS_PREFIX,
    now: () => new Date(),
    retry: { attempts: 8, baseDelayMs: 50, maxDelayMs: 2000 },
    onApplied: (job, outcome, durationMs, duplicate) => {
      const kind = job.command.kind;
      res.metrics.mutations.inc({ kind, status: outcome.status, duplicate: String(duplicate) });
      res.metrics.applyDuration.observe({ kind }, durationMs / 1000);
      if (!duplicate) res.metrics.enqueueToApplied.observe({ kind }, (Date.now() - Date.parse(job.enqueuedAt)) / 1000);
    },
  };
}

export function createMutationWorkers(config: Config, res: Resources, logger: Logger): WorkerProcess {
  const deps = mutationProcessDeps(config, res, logger);
  const connection = res.newRedis();
  const workers = Array.from({ length: config.LANES }, (_, lane) => {
    const worker = new Worker<MutationJob>(
      laneQueueName(lane),
      async (job) => {
        const data = job.data;
        const log = logger.child({ lane, basket_id: data.basketId, mutation_id: data.mutationId, kind: data.command.kind });
        try {
          await processMutation(deps, data, log);
        } catch (err) {
          // Bounded failed jobs: keep the ids and kind, never the request's content (see failedJobData).
          await job.updateData(failedJobData(data)).catch(() => undefined);
          throw err;
        }
      },
      {
        connection,
        prefix: laneBullPrefix(config.REDIS_PREFIX, lane),
        concurrency: 1,
        lockDuration: config.JOB_LOCK_MS,
        stalledInterval: config.JOB_STALLED_CHECK_MS,
        // A job interrupted by crashes goes back to its lane's head; it is never failed for stalling.
        maxStalledCount: 1000,
      },
    );
    worker.on('error', (err) => logger.warn({ lane, err: { message: err.message } }, 'worker error'));
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
