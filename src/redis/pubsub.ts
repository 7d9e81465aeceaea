/**
 * Publish/subscribe over Redis, the same code on standalone Redis and on a Redis Cluster. On a cluster it
 * is sharded pub/sub (SPUBLISH/SSUBSCRIBE): a channel lives on the master owning its slot, so messages
 * stay on one shard instead of being broadcast over the cluster bus to every node.
 *
 * Contract: delivery is at most once — a message published while a subscriber is reconnecting (or while
 * its shard fails over) is lost. Use it for hints whose truth is elsewhere (the mutation log, the
 * basket's version). Handlers receive the message text of the channels they subscribed to.
 */
import type { RedisClient } from './client.js';
import { closeRedis, isCluster } from './client.js';

export type MessageHandler = (message: string, channel: string) => void;

export interface Publisher {
  publish(channel: string, message: string): Promise<void>;
}

export interface Subscriber {
  /** Resolves once the subscription is active; the returned function removes this handler. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Publishes on the process's command connection. */
export function redisPublisher(redis: RedisClient): Publisher {
  const sharded = isCluster(redis);
  return {
    async publish(channel, message) {
      if (sharded) await redis.spublish(channel, message);
      else await redis.publish(channel, message);
    },
  };
}

/**
 * Subscriptions on a connection of their own (subscriber mode takes the connection over). One Redis
 * subscription per channel whatever the number of handlers; the last handler to go unsubscribes.
 */
export class RedisSubscriber implements Subscriber {
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  /** The SUBSCRIBE in flight or done per channel, so a second handler also waits for it. */
  private readonly active = new Map<string, Promise<unknown>>();
  /** An UNSUBSCRIBE in flight per channel: a new SUBSCRIBE waits for it, so the two never cross on the connection. */
  private readonly leaving = new Map<string, Promise<unknown>>();
  private readonly sharded: boolean;

  /** `connection` becomes owned by this subscriber; on a cluster, create it with `shardedSubscriber: true`. */
  constructor(private readonly connection: RedisClient) {
    this.sharded = isCluster(connection);
    connection.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) => {
      for (const h of this.handlers.get(channel) ?? []) {
        try {
          h(message, channel);
        } catch {
          // A handler's failure must not stop delivery to the others.
        }
      }
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const after = this.leaving.get(channel) ?? Promise.resolve();
      this.active.set(channel, after.then(() => (this.sharded ? this.connection.ssubscribe(channel) : this.connection.subscribe(channel))));
    }
    set.add(handler);
    try {
      await this.active.get(channel);
    } catch (err) {
      if (this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        this.active.delete(channel);
      }
      throw err;
    }
    return async () => {
      const s = this.handlers.get(channel);
      if (!s?.delete(handler) || s.size > 0) return;
      this.handlers.delete(channel);
      this.active.delete(channel);
      const leaving = (this.sharded ? this.connection.sunsubscribe(channel) : this.connection.unsubscribe(channel)).catch(() => undefined);
      this.leaving.set(channel, leaving);
      await leaving;
      if (this.leaving.get(channel) === leaving) this.leaving.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.active.clear();
    this.leaving.clear();
    await closeRedis(this.connection);
  }
}
