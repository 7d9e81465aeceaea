/**
 * Versioned basket snapshots in Redis. Key `<prefix>:snap:<basket_id>` is a hash {v: version, b: JSON body}.
 *
 * Contract: a write only lands when its version is newer than the cached one (compare-and-set in Lua,
 * atomic on the server), so the cache never moves backwards even when workers finish out of order or a
 * redelivered job re-publishes an old version. Reads never block writes.
 */
import type { Redis } from 'ioredis';
import type { BasketSnapshot } from '../application/basket-snapshot.js';

/**
 * KEYS[1] snapshot key; ARGV[1] version (integer); ARGV[2] body (JSON); ARGV[3] TTL in seconds.
 * Returns 1 when written, 0 when the cached version is the same or newer (nothing changed).
 */
const WRITE_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'b', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

type RedisWithCas = Redis & { snapshotWriteIfNewer(key: string, version: number, body: string, ttl: number): Promise<number> };

export interface CachedSnapshot {
  readonly version: number;
  /** The snapshot's JSON text, as stored (parse lazily: a 304 never needs it). */
  readonly body: string;
}

export class SnapshotCache {
  private readonly redis: RedisWithCas;

  constructor(redis: Redis, private readonly prefix: string, private readonly ttlSeconds: number) {
    if (!('snapshotWriteIfNewer' in redis)) redis.defineCommand('snapshotWriteIfNewer', { numberOfKeys: 1, lua: WRITE_IF_NEWER });
    this.redis = redis as RedisWithCas;
  }

  key(basketId: string): string {
    return `${this.prefix}:snap:${basketId}`;
  }

  /** Writes the snapshot unless the cache already holds this version or a newer one. */
  async writeIfNewer(snapshot: BasketSnapshot): Promise<boolean> {
    return (await this.redis.snapshotWriteIfNewer(this.key(snapshot.id), snapshot.version, JSON.stringify(snapshot), this.ttlSeconds)) === 1;
  }

  async read(basketId: string): Promise<CachedSnapshot | null> {
    const [v, b] = await this.redis.hmget(this.key(basketId), 'v', 'b');
    if (v === null || v === undefined || b === null || b === undefined) return null;
    return { version: Number(v), body: b };
  }
}
