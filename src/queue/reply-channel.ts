/**
 * Replies from workers to the API instance that waits for a mutation's outcome, over Redis pub/sub
 * (sharded pub/sub on a Redis Cluster: the channel lives on one shard).
 * Each API instance subscribes to its own channel `<prefix>:reply:<instance>`; a job names the channel
 * in `replyTo`. A reply is a hint to answer fast: the mutation log is the truth, so a lost reply only
 * turns a 200 into a 202.
 */
import type { Publisher, Subscriber } from '../redis/pubsub.js';
import type { MutationOutcome } from '../contracts/mutation-job.js';

export function replyChannel(prefix: string, instanceId: string): string {
  return `${prefix}:reply:${instanceId}`;
}

/**
 * Publishes the outcome as JSON. `snapshotJson`, when given, is `JSON.stringify(outcome.snapshot)` already
 * made (the worker renders a snapshot once for the database, the cache and this reply): it is spliced in.
 */
export async function publishReply(publisher: Publisher, channel: string, outcome: MutationOutcome, snapshotJson?: string): Promise<void> {
  await publisher.publish(channel, replyText(outcome, snapshotJson));
}

/** The reply's text: `JSON.stringify(outcome)`, with a given rendering of its snapshot used as is. */
export function replyText(outcome: MutationOutcome, snapshotJson?: string): string {
  if (outcome.status !== 'applied' || snapshotJson === undefined) return JSON.stringify(outcome);
  const { snapshot: _rendered, ...head } = outcome;
  return `${JSON.stringify(head).slice(0, -1)},"snapshot":${snapshotJson}}`;
}

type Waiter = (outcome: MutationOutcome | null) => void;

export class ReplyListener {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** `subscriber` is owned by this listener (closed by `close()`). */
  constructor(private readonly subscriber: Subscriber, readonly channel: string) {}

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel, (message) => {
      let outcome: MutationOutcome;
      try {
        outcome = JSON.parse(message) as MutationOutcome;
      } catch {
        return;
      }
      const set = this.waiters.get(outcome.mutationId);
      if (!set) return;
      this.waiters.delete(outcome.mutationId);
      for (const w of set) w(outcome);
    });
  }

  isWaiting(mutationId: string): boolean {
    return this.waiters.has(mutationId);
  }

  /**
   * Registers interest in a mutation's outcome; call before enqueueing so no reply can be missed.
   * The promise resolves with the outcome, or null after `timeoutMs` or on `cancel`.
   */
  expect(mutationId: string, timeoutMs: number): { promise: Promise<MutationOutcome | null>; cancel: () => void } {
    let waiter!: Waiter;
    const promise = new Promise<MutationOutcome | null>((resolve) => {
      const timer = setTimeout(() => settle(null), timeoutMs);
      const settle = (o: MutationOutcome | null) => {
        clearTimeout(timer);
        const set = this.waiters.get(mutationId);
        set?.delete(waiter);
        if (set && set.size === 0) this.waiters.delete(mutationId);
        resolve(o);
      };
      waiter = settle;
    });
    const set = this.waiters.get(mutationId) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(mutationId, set);
    return { promise, cancel: () => waiter(null) };
  }

  async close(): Promise<void> {
    for (const set of this.waiters.values()) for (const w of set) w(null);
    this.waiters.clear();
    await this.subscriber.close();
  }
}
