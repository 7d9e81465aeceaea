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
 */
export const MUTATION_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { count: 200 },
  removeOnFail: { count: 10_000 },
} as const;

export class LaneQueues {
  private readonly queues: Queue[];

  /** `onError`: connection trouble reported by the queues (the connection's own handler logs it too). */
  constructor(connection: ConnectionOptions, redisPrefix: string, readonly lanes: number, onError: (err: Error) => void = () => undefined) {
    this.queues = Array.from({ length: lanes }, (_, k) => {
      const q = new Queue(laneQueueName(k), { connection, prefix: laneBullPrefix(redisPrefix, k), defaultJobOptions: MUTATION_JOB_OPTIONS });
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
