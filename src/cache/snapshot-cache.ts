/**
 * Versioned basket snapshots in Redis. Key `<prefix>:snap:<basket_id>` is a hash:
 *   v: version · b: snapshot JSON · o: owner · s: site · st: status   (written by workers and refills)
 *   r:<dialect>: the document rendered for one API dialect at version v (written by readers, lazily)
 *
 * Contract: a snapshot write only lands when its version is newer than the cached one (compare-and-set
 * in Lua, atomic on the server), so the cache never moves backwards even when workers finish out of
 * order or a redelivered job re-publishes an old version; landing replaces the whole hash, so a
 * rendering never outlives its version. Reads never block writes.
 */
import { isCluster, type RedisClient } from '../redis/client.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';

/**
 * The compare-and-set as a Lua function over KEYS[1] (the snapshot key) and ARGV[1..6]: version, body,
 * owner, site, status, TTL seconds. Returns 1 when written, 0 when the cached version is the same or
 * newer (nothing changed).
 */
const WRITE_FUNCTION = `
local function writeIfNewer()
  local current = redis.call('HGET', KEYS[1], 'v')
  if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'b', ARGV[2], 'o', ARGV[3], 's', ARGV[4], 'st', ARGV[5])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
  return 1
end
`;

/** KEYS[1] snapshot key; ARGV as WRITE_FUNCTION. */
const WRITE_IF_NEWER = `${WRITE_FUNCTION}
return writeIfNewer()
`;

/** KEYS[1] snapshot key; ARGV: version, field, text. Stores a rendering only beside the version it renders. */
const STORE_RENDERING = `
if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) return 1 end
return 0
`;

/**
 * WRITE_IF_NEWER, then what the worker does after it in the same script (one round trip, in this order,
 * nothing between): ZREM of one member from each set named, PUBLISH of each message.
 * KEYS[1] snapshot key, KEYS[2..] sets; ARGV as WRITE_IF_NEWER, then ARGV[7] the number of sets, then a
 * member per set, then channel, message pairs. Standalone Redis only (a script's keys must share a
 * cluster slot, and a cluster's replies use sharded pub/sub). Returns what WRITE_IF_NEWER returns.
 */
const WRITE_IF_NEWER_THEN = `${WRITE_FUNCTION}
local written = writeIfNewer()
local sets = tonumber(ARGV[7])
for i = 1, sets do redis.call('ZREM', KEYS[1 + i], ARGV[7 + i]) end
for i = 8 + sets, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return written
`;

/** What `writeIfNewerThen` does after the cache write. */
export interface AfterCacheWrite {
  /** Sorted-set members to remove: [set key, member]. */
  readonly release: readonly (readonly [string, string])[];
  /** Messages to publish (plain PUBLISH): [channel, message]. */
  readonly publish: readonly (readonly [string, string])[];
}

type CacheCommands = RedisClient & {
  snapshotWriteIfNewer(key: string, version: number, body: string, owner: string, site: string, status: string, ttl: number): Promise<number>;
  snapshotWriteIfNewerThen(...keysAndArgs: (string | number)[]): Promise<number>;
  snapshotStoreRendering(key: string, version: number, field: string, text: string): Promise<number>;
};

/** What authorisation and conditional requests need, without the document. */
export interface SnapshotHead {
  readonly version: number;
  readonly ownerId: string;
  readonly siteId: string;
  readonly status: BasketSnapshot['status'];
}

export class SnapshotCache {
  private readonly redis: CacheCommands;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {
    if (!('snapshotWriteIfNewer' in redis)) {
      redis.defineCommand('snapshotWriteIfNewer', { numberOfKeys: 1, lua: WRITE_IF_NEWER });
      redis.defineCommand('snapshotStoreRendering', { numberOfKeys: 1, lua: STORE_RENDERING });
      redis.defineCommand('snapshotWriteIfNewerThen', { lua: WRITE_IF_NEWER_THEN });
    }
    this.redis = redis as CacheCommands;
  }

  key(basketId: string): string {
    return `${this.prefix}:snap:${basketId}`;
  }

  /** WRITE_FUNCTION's ARGV: version, body, owner, site, status, TTL seconds. */
  private writeArgs(snapshot: BasketSnapshot, body: string): [number, string, string, string, string, number] {
    return [snapshot.version, body, snapshot.ownerId, snapshot.siteId, snapshot.status, this.ttlSeconds];
  }

  /** Writes the snapshot unless the cache already holds this version or a newer one. */
  async writeIfNewer(snapshot: BasketSnapshot, body: string = JSON.stringify(snapshot)): Promise<boolean> {
    const written = await this.redis.snapshotWriteIfNewer(this.key(snapshot.id), ...this.writeArgs(snapshot, body));
    return written === 1;
  }

  /**
   * Whether `writeIfNewerThen` may be used: on standalone Redis only (see WRITE_IF_NEWER_THEN).
   */
  get canWriteThen(): boolean {
    return !isCluster(this.redis);
  }

  /**
   * `writeIfNewer`, then `after` (count-outs, then messages), in one script: one round trip, and nothing
   * is published before the cache holds this version or a newer one. Standalone Redis only
   * (`canWriteThen`). If it throws, any part of it may or may not have run (each part is idempotent:
   * redo it step by step).
   */
  async writeIfNewerThen(snapshot: BasketSnapshot, body: string, after: AfterCacheWrite): Promise<boolean> {
    const written = await this.redis.snapshotWriteIfNewerThen(
      1 + after.release.length,
      this.key(snapshot.id),
      ...after.release.map(([key]) => key),
      ...this.writeArgs(snapshot, body),
      after.release.length,
      ...after.release.map(([, member]) => member),
      ...after.publish.flat(),
    );
    return written === 1;
  }

  /**
   * What the cached head holds when the basket is active on `siteId` and, unless `ownerId` is null (an
   * agent, who may see every basket), owned by `ownerId`: the hash and the fields a script compares to
   * check ownership where it writes (a head not cached holds none of them: check by `readHead` then).
   */
  ownershipGuard(basketId: string, siteId: string, ownerId: string | null): { key: string; equal: [string, string][] } {
    const equal: [string, string][] = [
      ['st', 'active'],
      ['s', siteId],
    ];
    if (ownerId !== null) equal.push(['o', ownerId]);
    return { key: this.key(basketId), equal };
  }

  /** Drops the cached snapshot (reads then go to PostgreSQL and refill it). */
  async forget(basketId: string): Promise<void> {
    await this.redis.del(this.key(basketId));
  }

  /** The head and, if some reader stored one, the rendering for `dialect`; null when nothing is cached. */
  async readHead(basketId: string, dialect: string | null): Promise<{ head: SnapshotHead; rendered: string | null } | null> {
    const fields = ['v', 'o', 's', 'st', ...(dialect ? [`r:${dialect}`] : [])];
    const [v, o, s, st, r] = await this.redis.hmget(this.key(basketId), ...fields);
    if (v == null || o == null || s == null || st == null) return null;
    return { head: { version: Number(v), ownerId: o, siteId: s, status: st as SnapshotHead['status'] }, rendered: (r as string | null | undefined) ?? null };
  }

  /** The snapshot JSON if the cache still holds exactly `version`. */
  async readBody(basketId: string, version: number): Promise<string | null> {
    const [v, b] = await this.redis.hmget(this.key(basketId), 'v', 'b');
    return v != null && Number(v) === version && b != null ? b : null;
  }

  async storeRendering(basketId: string, version: number, dialect: string, text: string): Promise<void> {
    await this.redis.snapshotStoreRendering(this.key(basketId), version, `r:${dialect}`, text);
  }
}
