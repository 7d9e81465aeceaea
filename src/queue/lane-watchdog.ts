/**
 * The lane watchdog of a worker process. After a Redis failover or restart a BullMQ Worker can stay
 * wedged: running, its blocking connection idle on a live server, jobs piling up in `wait` and nothing
 * logged (BullMQ issue #4138). Every `everyMs` the watchdog reads each supervised queue:
 *
 *   pending = jobs in `wait` (or delayed jobs already due), active = jobs in `active`, head = the next job
 *
 * A queue is stuck when it stays pending with nothing active and the same head for `boundMs`: a healthy
 * worker takes a job within milliseconds, and a job being processed anywhere shows as active. Then the
 * worker of this process is closed and recreated (logged, counted), at most once per bound, and the
 * queue counts as stuck for /ready until its head moves. A paused queue is never stuck. Reads that fail
 * (Redis unreachable) change nothing: a queue keeps the time it was first seen pending.
 *
 * It also keeps a lane's serial limit: a Redis node that came back without its data (no persistence)
 * lost the lanes' global concurrency 1, so a lane whose limit is missing gets it set again (logged).
 *
 * Every read of one queue is one pipeline on keys of that queue's hash slot.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../redis/client.js';

export interface WatchedQueue {
  readonly name: string;
  /** Must run one job at a time across all processes (BullMQ global concurrency 1). */
  readonly serial: boolean;
  key(type: 'wait' | 'active' | 'delayed' | 'meta'): string;
  recreate(): Promise<void>;
}

/** Where the watchdog reports stuck and moving queues (observability's LaneHealth, read by /ready). */
export interface LaneHealthSink {
  markStuck(queue: string): void;
  markMoving(queue: string): void;
}

export interface WatchdogOptions {
  readonly boundMs: number;
  readonly everyMs: number;
  readonly logger: Logger;
  readonly health: LaneHealthSink;
  readonly onRecreated: (queue: string) => void;
  readonly now?: () => number;
}

interface State {
  head: string | null;
  since: number | null;
  lastRecreate: number;
  recreating: boolean;
}

export interface Probe {
  readonly paused: boolean;
  /** BullMQ's global concurrency of the queue, null when none is set. */
  readonly concurrency: string | null;
  readonly pending: boolean;
  readonly active: number;
  readonly head: string;
}

/** BullMQ scores a delayed job by `timestamp * 0x1000 + counter`. */
const DELAYED_SCORE_FACTOR = 0x1000;
/** A delayed job counts as due only this long after its time (clock differences between hosts). */
const DUE_SLACK_MS = 1000;

export async function probeQueue(redis: RedisClient, q: WatchedQueue, now: number): Promise<Probe> {
  const due = (now - DUE_SLACK_MS) * DELAYED_SCORE_FACTOR;
  const results = await redis
    .pipeline()
    .hmget(q.key('meta'), 'paused', 'concurrency')
    .llen(q.key('wait'))
    .llen(q.key('active'))
    .lindex(q.key('wait'), -1)
    .zrangebyscore(q.key('delayed'), '-inf', due, 'LIMIT', 0, 1)
    .exec();
  if (!results) throw new Error('pipeline aborted');
  for (const [err] of results) if (err) throw err;
  const [[paused, concurrency], waiting, active, next, dueDelayed] = results.map(([, v]) => v) as [
    [string | null, string | null],
    number,
    number,
    string | null,
    string[],
  ];
  return {
    paused: paused === '1' || paused === 'true',
    concurrency: concurrency ?? null,
    pending: waiting > 0 || dueDelayed.length > 0,
    active,
    head: `${next ?? ''}|${dueDelayed[0] ?? ''}`,
  };
}

export class LaneWatchdog {
  private readonly state = new Map<string, State>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisClient,
    private readonly queues: () => readonly WatchedQueue[],
    private readonly opts: WatchdogOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = null));
    }, this.opts.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** One round over every queue. */
  async tick(): Promise<void> {
    await Promise.all(this.queues().map((q) => this.check(q)));
  }

  private async check(q: WatchedQueue): Promise<void> {
    const now = this.now();
    let probe: Probe;
    try {
      probe = await probeQueue(this.redis, q, now);
    } catch {
      return;
    }
    if (q.serial && probe.concurrency !== '1') {
      this.opts.logger.warn(
        { queue: q.name, concurrency: probe.concurrency },
        'lane lost its serial limit (Redis lost data?): setting global concurrency 1 again',
      );
      await this.redis.hset(q.key('meta'), 'concurrency', 1).catch(() => undefined);
    }
    const s = this.state.get(q.name) ?? { head: null, since: null, lastRecreate: 0, recreating: false };
    this.state.set(q.name, s);
    if (probe.paused || !probe.pending || probe.active > 0) {
      s.since = null;
      s.head = null;
      this.opts.health.markMoving(q.name);
      return;
    }
    if (s.since === null || s.head !== probe.head) {
      s.since = now;
      s.head = probe.head;
      this.opts.health.markMoving(q.name);
      return;
    }
    const stuckMs = now - s.since;
    if (stuckMs < this.opts.boundMs) return;
    this.opts.health.markStuck(q.name);
    if (s.recreating || now - s.lastRecreate < this.opts.boundMs) return;
    s.recreating = true;
    s.lastRecreate = now;
    this.opts.logger.warn({ queue: q.name, stuck_ms: stuckMs }, 'lane stuck: jobs waiting, none active, no progress; recreating its worker');
    try {
      await q.recreate();
      this.opts.onRecreated(q.name);
      this.opts.logger.info({ queue: q.name }, 'lane worker recreated');
    } catch (err) {
      this.opts.logger.error({ queue: q.name, err }, 'could not recreate lane worker');
    } finally {
      s.recreating = false;
    }
  }
}
