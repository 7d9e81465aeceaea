/**
 * A BullMQ Worker that can be replaced: the lane watchdog recreates it when its queue stops moving (a
 * blocking connection left wedged by a Redis failover or restart, BullMQ issue #4138), and `close()`
 * never hangs on a dead connection.
 *
 * Contract: `close()` lets the job running in this process finish (the processor's own retries are
 * bounded), then gives BullMQ a short grace to close cleanly, then closes by force. A job interrupted by
 * a forced close is taken over by the stalled-job check; exactly-once comes from the mutation log.
 */
import { Worker, type Job, type WorkerOptions } from 'bullmq';
import type { RedisClient } from '../redis/client.js';

export interface SupervisedWorkerOptions<T> {
  readonly queueName: string;
  /** One job at a time across all processes (the queue's global concurrency is 1). */
  readonly serial: boolean;
  /** BullMQ prefix (with the queue's hash tag). */
  readonly prefix: string;
  readonly connection: RedisClient;
  readonly processor: (job: Job<T>) => Promise<unknown>;
  readonly workerOptions: Omit<WorkerOptions, 'connection' | 'prefix' | 'autorun'>;
  readonly onError: (err: Error) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** How long a graceful BullMQ close may take once no job of ours is running, and how long a forced one may. */
const GRACE_MS = 1500;
const FORCE_MS = 2000;

export class SupervisedWorker<T = unknown> {
  private worker: Worker<T>;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Jobs this process finished on this queue (a local sign of progress). */
  finished = 0;
  recreated = 0;

  constructor(private readonly opts: SupervisedWorkerOptions<T>) {
    this.worker = this.make();
  }

  get name(): string {
    return this.opts.queueName;
  }

  get serial(): boolean {
    return this.opts.serial;
  }

  get current(): Worker<T> {
    return this.worker;
  }

  /** BullMQ's keys of this queue (all in the queue's hash slot). */
  key(type: 'wait' | 'active' | 'delayed' | 'meta'): string {
    return `${this.opts.prefix}:${this.opts.queueName}:${type}`;
  }

  private make(): Worker<T> {
    const worker = new Worker<T>(
      this.opts.queueName,
      async (job) => {
        const run = this.opts.processor(job);
        this.inFlight.add(run);
        try {
          return await run;
        } finally {
          this.inFlight.delete(run);
          this.finished++;
        }
      },
      {
        ...this.opts.workerOptions,
        connection: this.opts.connection,
        prefix: this.opts.prefix,
      },
    );
    worker.on('error', this.opts.onError);
    return worker;
  }

  /** Replaces the worker with a new one (new blocking connection); the old one is closed without waiting on Redis. */
  async recreate(): Promise<void> {
    const old = this.worker;
    await closeBounded(old as unknown as Worker, this.inFlight);
    this.worker = this.make();
    this.recreated++;
  }

  async close(): Promise<void> {
    await closeBounded(this.worker as unknown as Worker, this.inFlight);
  }
}

async function closeBounded(w: Worker, inFlight: Set<Promise<unknown>>): Promise<void> {
  const graceful = w.close().then(
    () => true,
    () => true,
  );
  const localJobsDone = (async () => {
    await Promise.allSettled([...inFlight]);
    await sleep(GRACE_MS);
    return false;
  })();
  if (await Promise.race([graceful, localJobsDone])) return;
  // Still closing with no job of ours running: BullMQ waits for its blocking command, whose connection is
  // dead or wedged. Drop that connection (the only way to reach it is BullMQ's backend), then bound again.
  dropBlockingConnection(w);
  await Promise.race([graceful, sleep(FORCE_MS)]);
}

/**
 * Disconnects a worker's dedicated blocking connection without waiting for it. Reaches into BullMQ's
 * backend (6.x: `backend.blockingConnection._client`); if that shape changes this does nothing and the
 * close stays bounded by its timers.
 */
function dropBlockingConnection(worker: Worker): void {
  const backend = (worker as unknown as { backend?: { blockingConnection?: { _client?: { disconnect?: () => void } } } }).backend;
  try {
    backend?.blockingConnection?._client?.disconnect?.();
  } catch {
    // Already gone.
  }
}
