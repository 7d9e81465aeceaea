/**
 * Backpressure per basket: how many of a basket's mutations may wait in its lane. Lanes are shared by
 * many baskets, so one basket flooded with writes (a script, a stuck client retrying) would hold up
 * every other shopper on its lane; past the bound its writes are refused (429 + Retry-After) instead
 * of queued.
 *
 * Redis sorted set per basket, `<prefix>:pending:<basket_id>`: member = mutation id, score = when it was
 * accepted. The API admits a mutation (one script: drop entries older than `staleMs`, count, add) before
 * adding its job; the worker removes it once the mutation is finished. An entry whose removal was lost
 * (a crash) ages out after `staleMs`, so the count can never stay wrong for long.
 */
import type { Redis } from 'ioredis';
import type { RedisClient } from '../redis/client.js';

const ADMIT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local stale = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - stale)
if redis.call('ZSCORE', key, ARGV[4]) then return 1 end
if redis.call('ZCARD', key) >= max then return 0 end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, stale)
return 1
`;

export interface BackpressureSettings {
  /** Most mutations one basket may have waiting or running (0: no limit). */
  readonly maxQueued: number;
  /** After how long an entry whose mutation never reported back stops counting. */
  readonly staleMs: number;
}

export function pendingKey(prefix: string, basketId: string): string {
  return `${prefix}:pending:${basketId}`;
}

export class BasketBackpressure {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly settings: BackpressureSettings,
  ) {}

  /** Whether the basket may take one more mutation (and counts it in if so). */
  async admit(basketId: string, mutationId: string, now: number): Promise<boolean> {
    if (this.settings.maxQueued === 0) return true;
    const redis = this.redis as Redis & { basketAdmit?: (...args: (string | number)[]) => Promise<number> };
    if (!redis.basketAdmit) redis.defineCommand('basketAdmit', { numberOfKeys: 1, lua: ADMIT });
    const r = await redis.basketAdmit!(pendingKey(this.prefix, basketId), now, this.settings.staleMs, this.settings.maxQueued, mutationId);
    return r === 1;
  }

  /** Counts a mutation out (it finished, or it was never queued). */
  async release(basketId: string, mutationId: string): Promise<void> {
    if (this.settings.maxQueued === 0) return;
    await this.redis.zrem(pendingKey(this.prefix, basketId), mutationId);
  }
}

/** The worker's side: counts a finished mutation out of its basket's pending set (no limit needed there). */
export async function releasePending(redis: RedisClient, prefix: string, basketId: string, mutationId: string): Promise<void> {
  await redis.zrem(pendingKey(prefix, basketId), mutationId);
}

/** After how long a pending entry whose mutation never reported back (a crashed worker) stops counting. */
export const PENDING_STALE_MS = 300_000;
