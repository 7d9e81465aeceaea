/**
 * Live basket streams (Server-Sent Events), one process's worth: every open stream, the caps, the
 * heartbeat, and catching a stream up with the versions it has not seen.
 *
 * Contract of a stream: one event per applied version, in order, `id:` = the version, `data:` what the
 * dialect renders for that version (its document, or `{etag, flash}` for a light stream) — whichever
 * mutation made it (shopper, another device, expiry, recalculation, merge). Sources: the worker's
 * notice over Redis pub/sub (queue/basket-events.ts) says a version exists; the document comes from the
 * snapshot cache when it still holds that version, otherwise from the mutation log, which keeps each
 * version's document. A stream that missed more than `replayMax` versions, or whose versions the log
 * cannot give, gets a single `event: reload` (then carries on from the current version). A basket that
 * stops being active ends its streams with `event: gone`. `Last-Event-ID` resumes the same way.
 *
 * Caps: `maxPerProcess` open streams in this process, `maxPerCustomer` per caller across all processes
 * (a Redis sorted set per caller whose entries each process refreshes on every heartbeat, so a crashed
 * process's entries lapse by themselves). A client that does not read (its socket buffer past 1 MiB) is
 * dropped; it reconnects with Last-Event-ID and loses nothing. A lost notice delays a version by at most
 * one heartbeat: each heartbeat compares the basket's current version with what its streams sent.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../../redis/client.js';
import type { Logger } from 'pino';
import type { BasketSnapshot } from '../../contracts/basket-snapshot.js';
import type { BasketReader } from '../../application/get-basket.js';
import type { BasketEventSubscriber } from '../../queue/basket-events.js';
import { ApiError } from '../errors.js';

export interface StreamSettings {
  readonly heartbeatMs: number;
  readonly maxPerCustomer: number;
  readonly maxPerProcess: number;
  readonly replayMax: number;
}

/** What a dialect's route hands over once it authorised the caller for the basket. */
export interface StreamRequest {
  readonly basketId: string;
  /** The caller (the per-customer cap counts its streams). */
  readonly callerId: string;
  /** The version the client saw last (Last-Event-ID), or null for a fresh stream (it gets the current version first). */
  readonly lastEventId: number | null;
  /** Names the rendering, so streams of one basket in one dialect and form share it. */
  readonly rendering: string;
  /** The event data for one version (the dialect's document, or its light form). */
  render(snapshot: BasketSnapshot): Promise<string> | string;
}

const MAX_BUFFERED_BYTES = 1 << 20;

/** KEYS[1] the caller's stream set; ARGV: now ms, expiry ms, cap, stream id, key TTL ms. 1 when admitted. */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** Parses a Last-Event-ID header: a version (non-negative integer) or null; anything else is a bad request. */
export function lastEventIdOf(req: FastifyRequest): number | null {
  const raw = req.headers['last-event-id'];
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw new ApiError('invalid_request', 'Last-Event-ID must be a basket version (a non-negative integer).');
  return Number(raw);
}

/** `?light=true`: events carry the ETag and flashes instead of the whole document. */
export function wantsLight(req: FastifyRequest): boolean {
  const q = req.query as Record<string, unknown> | undefined;
  return q?.light === 'true' || q?.light === '1';
}

/** `fresh`: a new stream, sent the current version first; `resume`: Last-Event-ID given; `live`: a notice. */
type CatchUpMode = 'fresh' | 'resume' | 'live';

class Stream {
  lastSent: number;
  private chain: Promise<void> = Promise.resolve();
  closed = false;
  /**
   * True once the response's status and headers are out. Until then nothing may be written: Node would
   * send its own headers with the first write (200 without `text/event-stream`), and the real ones
   * would then fail — a stream whose subscription took longer than a heartbeat (a loaded machine, a
   * cluster shard's first subscription) was left open with heartbeats only, never an event.
   */
  started = false;
  unlisten: (() => Promise<void>) | null = null;

  constructor(
    readonly id: string,
    readonly req: StreamRequest,
    readonly reply: FastifyReply,
    private readonly hub: BasketStreams,
    initial: number,
  ) {
    this.lastSent = initial;
  }

  /** Queues a catch-up to `version` behind the ones already queued (events stay in order). */
  notify(version: number, mode: CatchUpMode = 'live'): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : this.hub.catchUp(this, version, mode))).catch((err) => {
      this.hub.logger.warn({ err, basket_id: this.req.basketId }, 'basket stream failed; closing it');
      void this.hub.close(this);
    });
  }

  write(text: string): void {
    if (this.closed || !this.started) return;
    const res = this.reply.raw;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) void this.hub.close(this);
  }
}

export class BasketStreams {
  private readonly streams = new Set<Stream>();
  private readonly timer: NodeJS.Timeout;
  /** The last rendering per basket and form, shared by that basket's streams in this process. */
  private readonly shared = new Map<string, { version: number; text: string }>();
  private closingAll = false;

  constructor(
    private readonly deps: {
      readonly subscriber: BasketEventSubscriber;
      readonly redis: RedisClient;
      /** The current version, a cached version, and the versions a stream missed (from the mutation log). */
      readonly reader: BasketReader;
      readonly prefix: string;
      readonly settings: StreamSettings;
      readonly logger: Logger;
    },
  ) {
    this.timer = setInterval(() => void this.heartbeat(), deps.settings.heartbeatMs);
    this.timer.unref();
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /** Open streams in this process. */
  get size(): number {
    return this.streams.size;
  }

  private callerKey(callerId: string): string {
    return `${this.deps.prefix}:sse:caller:${callerId}`;
  }

  private leaseMs(): number {
    return this.deps.settings.heartbeatMs * 3;
  }

  /**
   * Opens a stream for an authorised caller: admits it under the caps (429 `too_many_streams` otherwise,
   * before anything is sent), subscribes, then takes over the response. Resolves once the stream is set up;
   * the stream lives until the client leaves, the basket goes, or the process shuts down.
   */
  async open(_httpReq: FastifyRequest, reply: FastifyReply, req: StreamRequest): Promise<void> {
    const { settings } = this.deps;
    if (this.closingAll) throw new ApiError('service_unavailable', 'The service is shutting down.');
    if (this.streams.size >= settings.maxPerProcess) throw new ApiError('too_many_streams', 'This server has as many open basket streams as it takes; retry later.');
    const id = randomUUID();
    const now = Date.now();
    const admitted = await this.deps.redis
      .eval(ADMIT, 1, this.callerKey(req.callerId), now, now + this.leaseMs(), settings.maxPerCustomer, id, this.leaseMs() * 2)
      .catch((err) => {
        throw new ApiError('service_unavailable', `Basket streams are unavailable: ${(err as Error).message}`);
      });
    if (admitted !== 1) throw new ApiError('too_many_streams', `At most ${settings.maxPerCustomer} basket streams may be open at once for one shopper.`);

    const stream = new Stream(id, req, reply, this, req.lastEventId ?? 0);
    this.streams.add(stream);
    const res = reply.raw;
    // The response closes when the client goes away (also while subscribing) or when we end it; either
    // way the stream is over.
    res.on('close', () => void this.close(stream));
    res.on('error', () => void this.close(stream));
    try {
      // Subscribed before the current version is read: a version applied in between is not missed.
      stream.unlisten = await this.deps.subscriber.listen(req.basketId, (v) => stream.notify(v));
    } catch (err) {
      await this.close(stream);
      throw new ApiError('service_unavailable', `Basket streams are unavailable: ${(err as Error).message}`);
    }
    if (stream.closed) {
      // The client left, or the process is shutting down (closeAll), while subscribing: nothing was sent
      // yet, so the route answers (if anyone still listens).
      await stream.unlisten().catch(() => undefined);
      throw new ApiError('service_unavailable', 'The service is shutting down.');
    }
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    stream.started = true;
    stream.write(`retry: 2000\n\n`);
    const current = (await this.deps.reader.head(req.basketId).catch(() => null))?.head.version ?? 0;
    stream.notify(current, req.lastEventId === null ? 'fresh' : 'resume');
  }

  /** Sends `stream` every version after the last it sent, up to `target` (see the contract above). */
  async catchUp(stream: Stream, target: number, mode: CatchUpMode): Promise<void> {
    const { basketId } = stream.req;
    const first = mode === 'fresh';
    // A client claiming a version the basket never had (another basket's, or from before a restore) starts over.
    if (mode === 'resume' && target < stream.lastSent) return this.reload(stream, target);
    if (!first && target <= stream.lastSent) return;
    let snapshots: BasketSnapshot[] | null = null;
    if (first) {
      // A fresh stream starts with the basket as it is now.
      const read = await this.deps.reader.head(basketId);
      const snap = read ? await this.deps.reader.snapshot(basketId, read) : null;
      snapshots = snap ? [snap] : [];
    } else if (target === stream.lastSent + 1) {
      const cached = await this.deps.reader.cachedVersion(basketId, target);
      if (cached) snapshots = [cached];
    }
    if (!snapshots) {
      const missed = target - stream.lastSent;
      if (missed > this.deps.settings.replayMax) return this.reload(stream, target);
      const rows = await this.deps.reader.appliedVersions(basketId, stream.lastSent, target, missed);
      if (rows.length !== missed || rows.some((r) => r.snapshot === null)) return this.reload(stream, target);
      snapshots = rows.map((r) => r.snapshot!);
    }
    for (const s of snapshots) {
      if (stream.closed) return;
      if (s.status !== 'active') {
        stream.write(`id: ${s.version}\nevent: gone\ndata: ${JSON.stringify({ version: s.version })}\n\n`);
        stream.lastSent = s.version;
        return this.close(stream);
      }
      const text = await this.rendered(stream.req, s);
      stream.write(`id: ${s.version}\n${dataLines(text)}\n`);
      stream.lastSent = s.version;
    }
  }

  private reload(stream: Stream, version: number): void {
    stream.write(`id: ${version}\nevent: reload\ndata: ${JSON.stringify({ version, etag: `"${version}"` })}\n\n`);
    stream.lastSent = version;
  }

  private async rendered(req: StreamRequest, s: BasketSnapshot): Promise<string> {
    const key = `${req.basketId}|${req.rendering}`;
    const hit = this.shared.get(key);
    if (hit && hit.version === s.version) return hit.text;
    const text = await req.render(s);
    this.shared.set(key, { version: s.version, text });
    return text;
  }

  async close(stream: Stream): Promise<void> {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream);
    if (![...this.streams].some((s) => s.req.basketId === stream.req.basketId && s.req.rendering === stream.req.rendering)) {
      this.shared.delete(`${stream.req.basketId}|${stream.req.rendering}`);
    }
    // Not started: open() has not taken the response over, and answers the request itself.
    if (stream.started && !stream.reply.raw.writableEnded) stream.reply.raw.end();
    await stream.unlisten?.().catch(() => undefined);
    await this.deps.redis.zrem(this.callerKey(stream.req.callerId), stream.id).catch(() => undefined);
  }

  /**
   * A comment line on every stream (keeps proxies from timing it out), the callers' leases renewed, and
   * each basket's current version compared with what its streams sent (`catchUpLagging`).
   */
  private async heartbeat(): Promise<void> {
    if (this.streams.size === 0) return;
    void this.catchUpLagging();
    const expiry = Date.now() + this.leaseMs();
    // One pipeline per caller key: on a Redis Cluster a pipeline must stay within one slot.
    const byCaller = new Map<string, string[]>();
    for (const s of this.streams) {
      // A stream still subscribing gets no heartbeat (it has sent nothing yet), only its lease renewed.
      s.write(`: heartbeat\n\n`);
      const key = this.callerKey(s.req.callerId);
      byCaller.set(key, [...(byCaller.get(key) ?? []), s.id]);
    }
    await Promise.all(
      [...byCaller].map(([key, ids]) => {
        const pipeline = this.deps.redis.pipeline();
        for (const id of ids) pipeline.zadd(key, 'XX', expiry, id);
        pipeline.pexpire(key, this.leaseMs() * 2);
        return pipeline.exec().catch(() => undefined);
      }),
    );
  }

  /**
   * A notice can be lost on its way (pub/sub delivers at most once: a resubscribe after a failover, a
   * dropped connection); the stream would then lag until the basket's next version. So every heartbeat
   * reads each streamed basket's current version (its cached head) and catches up any stream behind it.
   */
  private async catchUpLagging(): Promise<void> {
    const byBasket = new Map<string, Stream[]>();
    for (const s of this.streams) if (s.started) byBasket.set(s.req.basketId, [...(byBasket.get(s.req.basketId) ?? []), s]);
    await Promise.all(
      [...byBasket].map(async ([basketId, streams]) => {
        const current = (await this.deps.reader.head(basketId).catch(() => null))?.head.version;
        if (current === undefined) return;
        for (const s of streams) if (current > s.lastSent) s.notify(current);
      }),
    );
  }

  /** Shutdown: ends every stream (clients reconnect, to another process, with Last-Event-ID). */
  async closeAll(): Promise<void> {
    this.closingAll = true;
    clearInterval(this.timer);
    await Promise.all([...this.streams].map((s) => this.close(s)));
  }
}

/** SSE `data:` lines for a text (one per line of it). */
function dataLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => `data: ${l}\n`)
    .join('');
}
