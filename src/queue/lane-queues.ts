/**
 * The producer side of the lanes: adds mutation jobs (job id = mutation id, so a repeat of an
 * idempotent request is not enqueued twice while its job exists).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { CONTRACT_FORMAT, type MutationJob } from '../contracts/mutation-job.js';
import { laneBullPrefix, laneOf, laneQueueName } from './lanes.js';

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

/** What a failed job keeps: enough to find it and its basket, none of the request's content. */
export function failedJobData(job: MutationJob): MutationJob {
  return { ...job, command: { kind: job.command.kind } as MutationJob['command'] };
}

export class LaneQueues {
  private readonly queues: Queue[];

  /** `onError`: connection trouble reported by the queues (the connection's own handler logs it too). */
  constructor(
    connection: ConnectionOptions,
    redisPrefix: string,
    readonly lanes: number,
    onError: (err: Error) => void = () => undefined,
    failedJobsKept = DEFAULT_FAILED_JOBS_KEPT,
  ) {
    const defaultJobOptions = mutationJobOptions(failedJobsKept);
    this.queues = Array.from({ length: lanes }, (_, k) => {
      const q = new Queue(laneQueueName(k), { connection, prefix: laneBullPrefix(redisPrefix, k), defaultJobOptions });
      q.on('error', onError);
      return q;
    });
  }

  laneFor(basketId: string): number {
    return laneOf(basketId, this.lanes);
  }

  queue(lane: number): Queue {
    return this.queues[lane]!;
  }

  all(): readonly Queue[] {
    return this.queues;
  }

  /** Enqueues into the basket's lane, stamped with this release's contract format; the mutation id is the job id. */
  async add(job: MutationJob): Promise<void> {
    await this.queue(this.laneFor(job.basketId)).add(job.command.kind, { ...job, format: CONTRACT_FORMAT }, { jobId: job.mutationId });
  }

  /** Makes every lane run at most one job at a time across all workers. Idempotent; call at start-up. */
  async enforceSerialLanes(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.setGlobalConcurrency(1)));
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
