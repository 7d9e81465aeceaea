/**
 * The producer side of the lanes: adds mutation jobs (job id = mutation id, so a repeat of an
 * idempotent request is not enqueued twice while its job exists).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { CONTRACT_FORMAT, type MutationJob } from '../contracts/mutation-job.js';
import { hotLaneOf, laneBullPrefix, laneOf, laneQueueName } from './lanes.js';
import type { BasketBackpressure } from './basket-backpressure.js';

/**
 * Finished jobs are trimmed so Redis memory stays bounded; the mutation log in PostgreSQL is the record.
 * Trimming by count only: an age bound made BullMQ's finish script scan the completed set, measured at
 * 2–3 ms per job in Redis under load; a count bound removes one old job per new one.
 * `attempts: 1`: transient errors are retried inside the processor, within the lane, so order is kept
 * (a BullMQ retry would move the job behind the basket's later mutations).
 * Failed jobs are bounded too, in number (`FAILED_JOBS_KEPT` per lane) and in size: no stack trace, and
 * the worker strips a failed job's data to its ids and kind (`failedJobData`), so no input can fill a
 * Redis that runs with `noeviction`. The mutation log records the failure when PostgreSQL lets it.
 */
export function mutationJobOptions(failedJobsKept: number) {
  return {
    attempts: 1,
    removeOnComplete: { count: 200 },
    removeOnFail: { count: failedJobsKept },
    stackTraceLimit: 0,
  } as const;
}
export const DEFAULT_FAILED_JOBS_KEPT = 100;

/**
 * BullMQ appends ~4.5 entries per job to each queue's events stream (added, waiting, active, completed,
 * drained), for QueueEvents listeners; this service has none (replies and basket streams use their own
 * pub/sub, Bull Board reads the job sets). BullMQ's default keeps 10,000 entries per stream, about 1 MB
 * (~96 bytes an entry, measured with MEMORY USAGE), so ~65 MB over 64 + 4 lanes that nothing reads; this
 * keeps ~100 (trimmed approximately, a stream node at a time). Every Queue object of a lane must pass it:
 * each one writes it into the queue's meta hash when created, where BullMQ's scripts read it.
 */
export const LANE_EVENTS_MAX_LEN = 100;
export const laneQueueStreams = { events: { maxLen: LANE_EVENTS_MAX_LEN } } as const;

/** What a failed job keeps: enough to find it and its basket, none of the request's content. */
export function failedJobData(job: MutationJob): MutationJob {
  return { ...job, command: { kind: job.command.kind } as MutationJob['command'] };
}

export class LaneQueues {
  private readonly queues: Queue[];

  /**
   * `lanes` home lanes, then `hotLanes` hot lanes (lanes.ts). `admission`: when given and active, the
   * jobs this object adds for the service itself (`add`) are counted in and routed like the API's
   * (never refused, never held), so a basket's lane never changes under one of them.
   * `onError`: connection trouble reported by the queues (the connection's own handler logs it too).
   */
  constructor(
    connection: ConnectionOptions,
    redisPrefix: string,
    readonly lanes: number,
    onError: (err: Error) => void = () => undefined,
    failedJobsKept = DEFAULT_FAILED_JOBS_KEPT,
    readonly hotLanes = 0,
    private readonly admission?: BasketBackpressure,
  ) {
    const defaultJobOptions = mutationJobOptions(failedJobsKept);
    this.queues = Array.from({ length: lanes + hotLanes }, (_, k) => {
      const q = new Queue(laneQueueName(k), { connection, prefix: laneBullPrefix(redisPrefix, k), defaultJobOptions, streams: laneQueueStreams });
      q.on('error', onError);
      return q;
    });
  }

  /** The basket's home lane (or, with `hot`, its hot lane). */
  laneFor(basketId: string, hot = false): number {
    return hot && this.hotLanes > 0 ? hotLaneOf(basketId, this.lanes, this.hotLanes) : laneOf(basketId, this.lanes);
  }

  queue(lane: number): Queue {
    return this.queues[lane]!;
  }

  all(): readonly Queue[] {
    return this.queues;
  }

  /**
   * A mutation's job state, wherever its basket ran it (home lane, else hot lane): 'unknown' when neither
   * holds the job.
   */
  async jobState(mutationId: string, basketId: string): Promise<string> {
    const home = await this.queue(this.laneFor(basketId)).getJobState(mutationId);
    if (home !== 'unknown' || this.hotLanes === 0) return home;
    return this.queue(this.laneFor(basketId, true)).getJobState(mutationId);
  }

  /**
   * Enqueues a mutation of the service itself (expiry, recalculation, revisits): counted in and routed by
   * the admission when there is one, else into the basket's home lane.
   */
  async add(job: MutationJob): Promise<void> {
    if (this.admission?.active) {
      const a = await this.admission.admit(job.basketId, job.mutationId, Date.now, { limit: false, hold: false });
      const hot = a.kind === 'admitted' && a.hot;
      await this.addTo(this.laneFor(job.basketId, hot), { ...job, counted: true });
      return;
    }
    await this.addTo(this.laneFor(job.basketId), job);
  }

  /** Enqueues into `lane`, stamped with this release's contract format; the mutation id is the job id. */
  async addTo(lane: number, job: MutationJob): Promise<void> {
    await this.queue(lane).add(job.command.kind, { ...job, format: CONTRACT_FORMAT }, { jobId: job.mutationId });
  }

  /** Makes every lane run at most one job at a time across all workers. Idempotent; call at start-up. */
  async enforceSerialLanes(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.setGlobalConcurrency(1)));
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
