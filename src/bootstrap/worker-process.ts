/**
 * Composition of the mutation workers: one BullMQ Worker per lane, each with concurrency 1 (and the
 * lane's global concurrency 1 across processes). A crashed worker's job is taken over after
 * JOB_LOCK_MS; stalled jobs go back to the head of their lane, so order holds. A watchdog recreates the
 * worker of a lane that stops moving (after a Redis failover or restart), and closing never hangs on a
 * dead connection.
 */
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { laneBullPrefix, laneQueueName } from '../queue/lanes.js';
import { SupervisedWorker } from '../queue/supervised-worker.js';
import { LaneWatchdog, type WatchedQueue } from '../queue/lane-watchdog.js';
import { failedJobData } from '../queue/lane-queues.js';
import { processMutation, type ProcessDeps } from '../application/process-mutation.js';
import type { MutationJob } from '../contracts/mutation-job.js';
import { closeRedis } from '../redis/client.js';
import type { Resources } from './resources.js';
import { BasketEventPublisher } from '../queue/basket-events.js';
import { WarmStates } from '../application/warm-states.js';

export interface WorkerProcess {
  /** The current worker of each lane (the watchdog may replace one). */
  readonly workers: readonly Worker[];
  readonly lanes: readonly SupervisedWorker<MutationJob>[];
  readonly watchdog: LaneWatchdog;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/** What applying mutations needs in this process, with metrics recorded per outcome. */
export function mutationProcessDeps(config: Config, res: Resources, logger: Logger): ProcessDeps {
  return {
    db: res.db,
    pool: res.pool,
    cache: res.cache,
    publisher: res.publisher,
    events: new BasketEventPublisher(res.publisher, config.REDIS_PREFIX),
    logger,
    limits: {
      maxLineQuantity: config.MAX_LINE_QUANTITY,
      maxLines: config.MAX_LINES,
      custom: { maxCount: config.MAX_CUSTOM_PROPERTIES, maxBytes: config.MAX_CUSTOM_PROPERTY_BYTES },
    },
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    pendingPrefix: config.REDIS_PREFIX,
    redis: res.redis,
    now: () => new Date(),
    ...(config.WARM_BASKETS > 0 ? { warm: new WarmStates(config.WARM_BASKETS, (hit) => res.metrics.warmStates.inc({ result: hit ? 'hit' : 'miss' })) } : {}),
    retry: { attempts: 8, baseDelayMs: 50, maxDelayMs: 2000 },
    // Standalone Redis: the after-commit work in one round trip (on a cluster its keys live on different shards).
    ...(res.cache.canWriteThen ? { oneTrip: { eventPrefix: config.REDIS_PREFIX } } : {}),
    onApplied: (job, outcome, durationMs, duplicate) => {
      const kind = job.command.kind;
      res.metrics.mutations.inc({ kind, status: outcome.status, duplicate: String(duplicate) });
      res.metrics.applyDuration.observe({ kind }, durationMs / 1000);
      if (!duplicate) res.metrics.enqueueToApplied.observe({ kind }, (Date.now() - Date.parse(job.enqueuedAt)) / 1000);
    },
  };
}

/** A watchdog over `queues` of this process, reporting into its metrics and /ready. */
export function startWatchdog(config: Config, res: Resources, logger: Logger, queues: () => readonly WatchedQueue[]): LaneWatchdog {
  const watchdog = new LaneWatchdog(res.redis, queues, {
    boundMs: config.LANE_WATCHDOG_MS,
    everyMs: Math.max(250, Math.floor(config.LANE_WATCHDOG_MS / 5)),
    logger,
    health: res.laneHealth,
    onRecreated: (queue) => res.metrics.laneWorkerRecreated.inc({ queue }),
  });
  watchdog.start();
  return watchdog;
}

/**
 * BullMQ waits `runRetryDelay` (15 s by default) after a connection error while fetching a job: after a
 * failover that alone would stall every lane for 15 s. One second is enough to let a failover settle.
 */
export const RUN_RETRY_DELAY_MS = 1000;

/** BullMQ options of every lane's worker (the queue micro-benchmark uses them too). */
export function laneWorkerOptions(config: Pick<Config, 'JOB_LOCK_MS' | 'JOB_STALLED_CHECK_MS'>) {
  return {
    concurrency: 1,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_STALLED_CHECK_MS,
    // A job interrupted by crashes goes back to its lane's head; it is never failed for stalling.
    maxStalledCount: 1000,
    runRetryDelay: RUN_RETRY_DELAY_MS,
  };
}

export function createMutationWorkers(config: Config, res: Resources, logger: Logger): WorkerProcess {
  const deps = mutationProcessDeps(config, res, logger);
  const connection = res.newRedis();
  const lanes = Array.from(
    // Home lanes, then hot lanes (lanes.ts): the same processing, each lane serial.
    { length: config.LANES + config.HOT_LANES },
    (_, lane) =>
      new SupervisedWorker<MutationJob>({
        queueName: laneQueueName(lane),
        serial: true,
        prefix: laneBullPrefix(config.REDIS_PREFIX, lane),
        connection,
        processor: async (job) => {
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
        workerOptions: laneWorkerOptions(config),
        onError: (err) => logger.warn({ lane, err: { message: err.message } }, 'worker error'),
      }),
  );
  const watchdog = startWatchdog(config, res, logger, () => lanes);
  return {
    get workers() {
      return lanes.map((l) => l.current as unknown as Worker);
    },
    lanes,
    watchdog,
    async close() {
      await watchdog.stop();
      await Promise.all(lanes.map((l) => l.close()));
      await closeRedis(connection);
    },
  };
}
