/**
 * Composition of the lanes' producer side: the admission (backpressure and hot-basket routing, one
 * script per mutation) and the lane queues (home lanes, then hot lanes), the same in every process that
 * enqueues (API, expiry scheduler), so the service's own jobs are routed like the API's.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RedisClient } from '../redis/client.js';
import { BasketBackpressure, PENDING_STALE_MS } from '../queue/basket-backpressure.js';
import { LaneQueues } from '../queue/lane-queues.js';

export function basketAdmission(config: Config, redis: RedisClient): BasketBackpressure {
  return new BasketBackpressure(redis, config.REDIS_PREFIX, {
    maxQueued: config.MAX_QUEUED_PER_BASKET,
    staleMs: PENDING_STALE_MS,
    hotLanes: config.HOT_LANES,
    hotThreshold: config.HOT_BASKET_QUEUED,
    hotCooldownMs: config.HOT_BASKET_COOLDOWN_MS,
    switchWaitMs: config.HOT_SWITCH_WAIT_MS,
  });
}

export function laneProducers(config: Config, redis: RedisClient, logger: Logger): { admission: BasketBackpressure; lanes: LaneQueues } {
  const admission = basketAdmission(config, redis);
  const lanes = new LaneQueues(
    redis,
    config.REDIS_PREFIX,
    config.LANES,
    (err) => logger.debug({ err: { message: err.message } }, 'lane queue error'),
    config.FAILED_JOBS_KEPT,
    config.HOT_LANES,
    admission,
  );
  return { admission, lanes };
}
