/** Composition of the HTTP API: lane producers, reply listener, submitter, reader, Fastify. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { TokenService, tokenPolicy } from '../auth/tokens.js';
import { buildServer } from '../api/server.js';
import { MutationSubmitter } from '../application/submit-mutation.js';
import { BasketReader } from '../application/get-basket.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import { laneProducers } from './lane-producers.js';
import { ReplyListener, replyChannel } from '../queue/reply-channel.js';
import type { Resources } from './resources.js';
import { BasketEventSubscriber } from '../queue/basket-events.js';
import { BasketStreams } from '../api/events/basket-streams.js';

export interface ApiProcess {
  readonly app: FastifyInstance;
  readonly lanes: LaneQueues;
  readonly submitter: MutationSubmitter;
  readonly streams: BasketStreams;
  close(): Promise<void>;
}

/** `extraQueues`: other queues Bull Board shows beside the lanes (the expiry scheduler's). */
export async function createApi(config: Config, res: Resources, logger: Logger, extraQueues: readonly Queue[] = []): Promise<ApiProcess> {
  const instanceId = randomUUID();
  const { lanes, admission } = laneProducers(config, res.redis, logger);
  await lanes.enforceSerialLanes();
  // Re-assert after every reconnect: a Redis that lost its data (no AOF) also lost the lanes' limit.
  res.redis.on('ready', () => void lanes.enforceSerialLanes().catch((err) => logger.error({ err }, 'could not enforce serial lanes')));
  const replies = new ReplyListener(res.newSubscriber(), replyChannel(config.REDIS_PREFIX, instanceId));
  await replies.start();
  const submitter = new MutationSubmitter({
    db: res.db,
    redis: res.redis,
    lanes,
    replies,
    prefix: config.REDIS_PREFIX,
    syncWaitMs: config.SYNC_WAIT_MS,
    ticketTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    now: () => new Date(),
    backpressure: admission,
    cache: res.cache,
  });
  const reader = new BasketReader({ db: res.db, cache: res.cache, onCache: (hit) => res.metrics.snapshotCache.inc({ result: hit ? 'hit' : 'miss' }) });
  res.metrics.watchQueues(lanes.all(), config.METRICS_LANE_INTERVAL_MS);
  const events = new BasketEventSubscriber(res.newSubscriber(), config.REDIS_PREFIX);
  const streams = new BasketStreams({
    subscriber: events,
    redis: res.redis,
    reader,
    prefix: config.REDIS_PREFIX,
    settings: {
      heartbeatMs: config.SSE_HEARTBEAT_MS,
      maxPerCustomer: config.SSE_MAX_STREAMS_PER_CUSTOMER,
      maxPerProcess: config.SSE_MAX_STREAMS_PER_PROCESS,
      replayMax: config.SSE_REPLAY_MAX,
    },
    logger,
  });
  const tokens = new TokenService(config.JWT_SECRET, config.JWT_TTL_SECONDS, tokenPolicy(config));
  const app = await buildServer({
    config,
    db: res.db,
    redis: res.redis,
    tokens,
    submitter,
    reader,
    lanes,
    boardQueues: [...lanes.all(), ...extraQueues],
    metrics: res.metrics,
    laneHealth: res.laneHealth,
    logger,
    streams,
  });
  return {
    app,
    lanes,
    submitter,
    streams,
    async close() {
      res.metrics.stopWatching();
      await app.close();
      await streams.closeAll();
      await events.close();
      await replies.close();
      await lanes.close();
    },
  };
}
