/**
 * Admission of a basket's mutations: whether one more may be queued (backpressure), and into which lane
 * (hot-basket routing). One Lua script, one round trip per mutation, on the basket's own keys. On
 * standalone Redis the API's writes without an Idempotency-Key also write their ticket in it, after an
 * optional check of the basket's cached head (`admitWithTicket`): the accept's one round trip before its job.
 *
 * Backpressure: lanes are shared by many baskets, so one basket flooded with writes (a script, a stuck
 * client retrying) would hold up every other shopper on its lane; past `maxQueued` its writes are
 * refused (429 + Retry-After) instead of queued.
 *
 * Hot-basket routing: a basket whose backlog reaches `hotThreshold` is hot for `hotCooldownMs` (renewed
 * while its backlog stays there), and a hot basket runs on its hot lane (lanes.ts `hotLaneOf`) instead of
 * its home lane, so its backlog stops delaying its home lane's other baskets. Order: a basket's lane
 * changes only while none of its mutations is queued or running (its pending set is empty), so all of
 * one basket's mutations are always in one lane, which runs them one at a time in the order they were
 * added. Until its home lane has drained, a hot basket's new synchronous mutations wait in the API
 * (`hold`, polled, at most `switchWaitMs`; after that they are refused as `busy`, 429, so the home
 * backlog surely drains and the basket moves even while its clients keep writing); asynchronous
 * ones join the backlog where it is at once (so a basket written only asynchronously moves only when its
 * backlog happens to drain; backpressure bounds that backlog). A cooled basket goes home the
 * same way: when its pending set is empty and it has not been hot for `hotCooldownMs`.
 *
 * Keys (both carry the basket id as hash tag, so the script stays in one Redis Cluster slot):
 *  - `<prefix>:pending:{<basket_id>}` sorted set: member = mutation id, score = when it was accepted. The
 *    worker removes a mutation once it is finished (after its outcome is committed); an entry whose
 *    removal was lost (a crash between admission and enqueue) ages out after `staleMs`.
 *  - `<prefix>:route:{<basket_id>}` hash: `hot` = 1 while the basket runs on its hot lane; `until` = when
 *    it stops being hot. Absent for a basket that was never hot (the common case).
 * Known limit: a mutation still queued `staleMs` after it was accepted stops counting, so a basket whose
 * lane is stuck that long could move while it still has a mutation queued (order across the move is then
 * not guaranteed; exactly-once still is, by the mutation log).
 */
import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../redis/client.js';

/** Return codes of the script: ≥ 0 the lane kind (0 home, 1 hot); below, refusals. */
const HOME = 0;
const HOT = 1;
const BUSY = -1;
const HOLD = -2;
/** Of the ticket-then-admit script only: the ticket exists already (nothing was done). */
const TAKEN = -3;
/** Of the ticket-then-admit script only: the guard's hash did not hold its fields (nothing was done). */
const UNVERIFIED = -4;

/**
 * The admission proper, as a Lua function over KEYS[1] (pending) and KEYS[2] (route); ARGV[1..7]: now,
 * stale, max, mutation id, hot threshold, cooldown, may hold ('1'). Returns HOME, HOT, BUSY or HOLD.
 */
const ADMISSION = `
local function admit()
  local pending = KEYS[1]
  local route = KEYS[2]
  local now = tonumber(ARGV[1])
  local stale = tonumber(ARGV[2])
  local max = tonumber(ARGV[3])
  local id = ARGV[4]
  local threshold = tonumber(ARGV[5])
  local cooldown = tonumber(ARGV[6])
  local mayHold = ARGV[7] == '1'
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', now - stale)
  local state = redis.call('HMGET', route, 'hot', 'until')
  local onHot = state[1] == '1'
  if redis.call('ZSCORE', pending, id) then return onHot and 1 or 0 end
  local n = redis.call('ZCARD', pending)
  if max > 0 and n >= max then return -1 end
  local hotUntil = tonumber(state[2] or '0')
  if threshold > 0 and n + 1 >= threshold then
    hotUntil = now + cooldown
    redis.call('HSET', route, 'until', hotUntil)
  end
  local hot = hotUntil > now
  if n == 0 then
    if hot ~= onHot then
      onHot = hot
      if hot then redis.call('HSET', route, 'hot', '1') else redis.call('DEL', route) end
    end
  elseif hot and not onHot and mayHold then
    return -2
  end
  redis.call('ZADD', pending, now, id)
  redis.call('PEXPIRE', pending, stale)
  if hot or onHot then redis.call('PEXPIRE', route, stale + cooldown) end
  return onHot and 1 or 0
end
`;

const ADMIT = `${ADMISSION}
return admit()
`;

/**
 * The mutation's ticket, then its admission, in one script (one round trip instead of two): KEYS[3] the
 * ticket key, ARGV[8] its text, ARGV[9] its TTL in seconds (SET … EX … NX). Returns TAKEN (the ticket
 * exists: nothing done), else what the admission returns; refused (BUSY) the ticket is deleted again, so
 * nothing is left of the request. Held (HOLD), the ticket stays: the caller polls the admission alone.
 * With a guard, first: KEYS[4] a hash, ARGV[10] a number of field, value pairs after it; unless the hash
 * holds every one of them, UNVERIFIED and nothing done (an absent hash holds none).
 * The ticket key does not share the basket's hash tag: standalone Redis only (a cluster script's keys
 * must share a slot), as the worker's after-commit script.
 */
const TICKET_THEN_ADMIT = `${ADMISSION}
if KEYS[4] then
  local fields = {}
  for i = 11, 10 + 2 * tonumber(ARGV[10]), 2 do fields[#fields + 1] = ARGV[i] end
  local held = redis.call('HMGET', KEYS[4], unpack(fields))
  for j = 1, #fields do
    if held[j] ~= ARGV[10 + 2 * j] then return -4 end
  end
end
if not redis.call('SET', KEYS[3], ARGV[8], 'EX', ARGV[9], 'NX') then return -3 end
local r = admit()
if r == -1 then redis.call('DEL', KEYS[3]) end
return r
`;

export interface BackpressureSettings {
  /** Most mutations one basket may have waiting or running (0: no limit). */
  readonly maxQueued: number;
  /** After how long an entry whose mutation never reported back stops counting. */
  readonly staleMs: number;
  /** Hot lanes (0: no hot-basket routing; every basket stays on its home lane). */
  readonly hotLanes?: number;
  /** Backlog (queued or running, this one included) at which a basket becomes hot. */
  readonly hotThreshold?: number;
  /** How long a basket stays hot after its backlog was last at the threshold. */
  readonly hotCooldownMs?: number;
  /** Longest a hot basket's new synchronous mutation waits for its home lane to drain (then: busy); 0: never waits. */
  readonly switchWaitMs?: number;
}

/** Where an admitted mutation goes, or why it was not admitted. */
export type Admission = { readonly kind: 'admitted'; readonly hot: boolean } | { readonly kind: 'busy' };

/** A mutation's ticket, written by `admitWithTicket` with its admission (SET … EX `ttlSeconds` NX). */
export interface TicketWrite {
  readonly key: string;
  readonly text: string;
  readonly ttlSeconds: number;
  /** Nothing is written, nor counted, unless the hash at `guard.key` holds each field with its value (same script). */
  readonly guard?: { readonly key: string; readonly equal: readonly (readonly [string, string])[] };
}

/**
 * `admitWithTicket`'s answer: an admission, or `taken` (the ticket existed) or `unverified` (the guard's
 * hash did not hold its fields) or `refused` (busy at once: the script deleted the ticket again); after
 * these three nothing is left written and nothing counted. (`busy`, after a hold, leaves the ticket.)
 */
export type TicketAdmission = Admission | { readonly kind: 'taken' } | { readonly kind: 'unverified' } | { readonly kind: 'refused' };

export function pendingKey(prefix: string, basketId: string): string {
  return `${prefix}:pending:{${basketId}}`;
}

export function routeKey(prefix: string, basketId: string): string {
  return `${prefix}:route:{${basketId}}`;
}

/** TICKET_THEN_ADMIT's arguments: the number of keys, the keys, then ARGV (see the script). */
function ticketScriptArgs(keys: readonly [string, string], admission: readonly (string | number)[], ticket: TicketWrite): (string | number)[] {
  const guard = ticket.guard;
  const head = guard ? [4, ...keys, ticket.key, guard.key] : [3, ...keys, ticket.key];
  return [...head, ...admission, ticket.text, ticket.ttlSeconds, ...(guard ? [guard.equal.length, ...guard.equal.flat()] : [])];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type AdmitCommand = (...args: (string | number)[]) => Promise<number>;

export class BasketBackpressure {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly settings: BackpressureSettings,
  ) {}

  /** Whether mutations go through admission at all (counted in, and counted out by the worker). */
  get active(): boolean {
    return this.settings.maxQueued > 0 || this.routing;
  }

  /** Whether hot baskets move to a hot lane. */
  get routing(): boolean {
    return (this.settings.hotLanes ?? 0) > 0;
  }

  /**
   * Counts the mutation in (a repeat of an id already counted is a no-op) and says which lane it goes to,
   * or refuses it (`busy`: the basket has `maxQueued` mutations already). `limit: false` admits past
   * `maxQueued` (the service's own mutations). `hold: false` never waits for a move to the hot lane (it
   * joins the basket's backlog where it is); with `hold`, a wait past `switchWaitMs` ends `busy`.
   * Inactive admission admits everything onto the home lane without a round trip.
   */
  async admit(basketId: string, mutationId: string, now: () => number, opts: { limit?: boolean; hold?: boolean } = {}): Promise<Admission> {
    if (!this.active) return { kind: 'admitted', hot: false };
    return (await this.run(basketId, mutationId, now, opts, null)) as Admission;
  }

  /**
   * Whether `admitWithTicket` may be used: admission is active and Redis is standalone (the ticket key
   * is not in the basket's cluster slot; see TICKET_THEN_ADMIT).
   */
  get canAdmitWithTicket(): boolean {
    return this.active && !isCluster(this.redis);
  }

  /**
   * Writes the mutation's ticket unless it exists (`taken`: then nothing else is done), then admits it as
   * `admit` does, in one round trip. Refused at once (`refused`), the ticket is gone again. A held
   * mutation polls the admission alone afterwards; if that ends `busy`, the ticket is still there (the
   * caller deletes it, as after `admit`). With the ticket's `guard`, nothing at all unless the guard holds
   * (`unverified`). Only when `canAdmitWithTicket`. If it throws, any part may have run.
   */
  async admitWithTicket(ticket: TicketWrite, basketId: string, mutationId: string, now: () => number, opts: { hold?: boolean } = {}): Promise<TicketAdmission> {
    if (!this.canAdmitWithTicket) throw new Error('the ticket and the admission in one script need standalone Redis and active admission');
    return this.run(basketId, mutationId, now, opts, ticket);
  }

  /** The admission loop; with `ticket`, its first call also writes the ticket (TICKET_THEN_ADMIT). */
  private async run(
    basketId: string,
    mutationId: string,
    now: () => number,
    opts: { limit?: boolean; hold?: boolean },
    ticket: TicketWrite | null,
  ): Promise<TicketAdmission> {
    const s = this.settings;
    const threshold = this.routing ? Math.max(1, s.hotThreshold ?? 8) : 0;
    // The wait is bounded on the real clock (`now` may be a test's fixed clock).
    const waitUntil = performance.now() + (opts.hold === false || !this.routing ? 0 : (s.switchWaitMs ?? 2000));
    const mayWait = performance.now() < waitUntil;
    const keys = [pendingKey(this.prefix, basketId), routeKey(this.prefix, basketId)] as const;
    for (let pause = 2; ; pause = Math.min(pause * 2, 25)) {
      const at = now();
      // Held past the bound: refused like backpressure (nothing queued, the client retries), rather than
      // joining the home backlog, which would keep it from ever draining while the basket stays busy.
      if (pause > 2 && performance.now() >= waitUntil) return { kind: 'busy' };
      const args = [at, s.staleMs, opts.limit === false ? 0 : s.maxQueued, mutationId, threshold, s.hotCooldownMs ?? 10_000, mayWait ? '1' : '0'];
      const first = ticket !== null && pause === 2;
      const r = first ? await this.ticketCommand()(...ticketScriptArgs(keys, args, ticket)) : await this.command()(...keys, ...args);
      if (r === HOME || r === HOT) return { kind: 'admitted', hot: r === HOT };
      if (r === BUSY) return first ? { kind: 'refused' } : { kind: 'busy' };
      if (first && r === TAKEN) return { kind: 'taken' };
      if (first && r === UNVERIFIED) return { kind: 'unverified' };
      if (r !== HOLD) throw new Error(`unexpected admission result ${r}`);
      await sleep(pause);
    }
  }

  /** Counts a mutation out (it finished, or it was never queued). */
  async release(basketId: string, mutationId: string): Promise<void> {
    if (!this.active) return;
    await this.redis.zrem(pendingKey(this.prefix, basketId), mutationId);
  }

  private command(): AdmitCommand {
    const redis = this.redis as Redis & { basketAdmitRoute?: AdmitCommand };
    if (!redis.basketAdmitRoute) redis.defineCommand('basketAdmitRoute', { numberOfKeys: 2, lua: ADMIT });
    return redis.basketAdmitRoute!.bind(redis);
  }

  private ticketCommand(): AdmitCommand {
    const redis = this.redis as Redis & { basketTicketAdmitRoute?: AdmitCommand };
    if (!redis.basketTicketAdmitRoute) redis.defineCommand('basketTicketAdmitRoute', { lua: TICKET_THEN_ADMIT });
    return redis.basketTicketAdmitRoute!.bind(redis);
  }
}

/** The worker's side: counts a finished mutation out of its basket's pending set (no limit needed there). */
export async function releasePending(redis: RedisClient, prefix: string, basketId: string, mutationId: string): Promise<void> {
  await redis.zrem(pendingKey(prefix, basketId), mutationId);
}

/** After how long a pending entry whose mutation never reported back (a crashed worker) stops counting. */
export const PENDING_STALE_MS = 300_000;
