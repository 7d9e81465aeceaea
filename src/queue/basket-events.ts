/**
 * Basket version notices over Redis pub/sub: the one place that knows the channel. The transport is the
 * pub/sub seam (redis/pubsub.ts): plain PUBLISH/SUBSCRIBE on standalone Redis, sharded SPUBLISH /
 * SSUBSCRIBE on a Redis Cluster, where each basket's channel lives on the master owning its slot.
 *
 * One channel per basket, `<prefix>:events:{<basket_id>}`: a process subscribes only to the baskets it
 * has open streams for, so Redis sends each process only the notices it needs (a channel per lane would
 * send every process all of a lane's traffic to filter). The `{…}` hash tag gives each basket's channel
 * its own slot, so on a cluster the channels spread over the shards like the baskets' other keys.
 *
 * A notice carries only the new version: a stream reads the document from the snapshot cache or the
 * mutation log. Notices are hints — a lost one is made good by the next, which makes the stream catch
 * up from the log.
 */
import type { Publisher, Subscriber } from '../redis/pubsub.js';

export function basketEventChannel(prefix: string, basketId: string): string {
  return `${prefix}:events:{${basketId}}`;
}

/** Worker side: tells every API process with a stream on the basket that `version` was applied. */
export class BasketEventPublisher {
  constructor(private readonly publisher: Publisher, private readonly prefix: string) {}

  async publish(basketId: string, version: number): Promise<void> {
    await this.publisher.publish(basketEventChannel(this.prefix, basketId), String(version));
  }
}

type Listener = (version: number) => void;

/**
 * API side: one subscriber (its own connection) per process, reference-counted per basket (the first
 * listener subscribes, the last one to leave unsubscribes).
 */
export class BasketEventSubscriber {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The seam's unsubscribe per basket, once its subscription is active. */
  private readonly unsubscribes = new Map<string, Promise<() => Promise<void>>>();

  /** `subscriber` becomes owned by this object. */
  constructor(private readonly subscriber: Subscriber, private readonly prefix: string) {}

  /** Resolves once Redis confirmed the subscription, so no notice published afterwards is missed. Returns the unsubscribe. */
  async listen(basketId: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(basketId);
    if (!set) this.listeners.set(basketId, (set = new Set()));
    set.add(listener);
    let pending = this.unsubscribes.get(basketId);
    if (!pending) {
      pending = this.subscriber.subscribe(basketEventChannel(this.prefix, basketId), (message) => this.deliver(basketId, message));
      this.unsubscribes.set(basketId, pending);
    }
    try {
      await pending;
    } catch (err) {
      if (this.unsubscribes.get(basketId) === pending) this.unsubscribes.delete(basketId);
      await this.drop(basketId, listener);
      throw err;
    }
    return () => this.drop(basketId, listener);
  }

  /** Baskets with at least one listener in this process. */
  get channels(): number {
    return this.listeners.size;
  }

  private deliver(basketId: string, message: string): void {
    const version = Number(message);
    if (!Number.isInteger(version)) return;
    for (const l of this.listeners.get(basketId) ?? []) l(version);
  }

  private async drop(basketId: string, listener: Listener): Promise<void> {
    const set = this.listeners.get(basketId);
    if (!set || !set.delete(listener) || set.size > 0) return;
    this.listeners.delete(basketId);
    const pending = this.unsubscribes.get(basketId);
    this.unsubscribes.delete(basketId);
    const unsubscribe = await pending?.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.unsubscribes.clear();
    await this.subscriber.close();
  }
}
