/**
 * Basket version notices over Redis pub/sub: the one place that knows the channel and the transport,
 * so moving to sharded pub/sub on Redis Cluster (SPUBLISH / SSUBSCRIBE) changes this file only.
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
import type { Redis } from 'ioredis';

export function basketEventChannel(prefix: string, basketId: string): string {
  return `${prefix}:events:{${basketId}}`;
}

/** Worker side: tells every API process with a stream on the basket that `version` was applied. */
export class BasketEventPublisher {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async publish(basketId: string, version: number): Promise<void> {
    await this.redis.publish(basketEventChannel(this.prefix, basketId), String(version));
  }
}

type Listener = (version: number) => void;

/**
 * API side: one subscriber connection per process, reference-counted per basket (the first listener
 * subscribes, the last one to leave unsubscribes).
 */
export class BasketEventSubscriber {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** `subscriber` becomes a subscriber-mode connection owned by this object. */
  constructor(private readonly subscriber: Redis, private readonly prefix: string) {
    const head = `${prefix}:events:{`;
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(head)) return;
      const basketId = channel.slice(head.length, -1);
      const version = Number(message);
      if (!Number.isInteger(version)) return;
      for (const l of this.listeners.get(basketId) ?? []) l(version);
    });
  }

  /** Resolves once Redis confirmed the subscription, so no notice published afterwards is missed. Returns the unsubscribe. */
  async listen(basketId: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(basketId);
    const first = !set;
    if (!set) this.listeners.set(basketId, (set = new Set()));
    set.add(listener);
    if (first) {
      try {
        await this.subscriber.subscribe(basketEventChannel(this.prefix, basketId));
      } catch (err) {
        await this.drop(basketId, listener);
        throw err;
      }
    }
    return () => this.drop(basketId, listener);
  }

  /** Baskets with at least one listener in this process. */
  get channels(): number {
    return this.listeners.size;
  }

  private async drop(basketId: string, listener: Listener): Promise<void> {
    const set = this.listeners.get(basketId);
    if (!set || !set.delete(listener) || set.size > 0) return;
    this.listeners.delete(basketId);
    await this.subscriber.unsubscribe(basketEventChannel(this.prefix, basketId)).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
