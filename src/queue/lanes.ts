/**
 * Lanes: a fixed set of BullMQ queues `basket-mutations-<k>`, k = hash(basket_id) mod LANES. Every lane
 * has global concurrency 1, so all of one basket's mutations run one at a time, in the order they were
 * added, whatever the number of worker processes (a queue per basket would need a blocking connection per basket in every worker, and BullMQ's global
 * concurrency is per queue; a fixed set of lanes keeps both bounded).
 */
export const LANE_QUEUE_PREFIX = 'basket-mutations-';

/** FNV-1a (32 bit) of the id: stable across processes and versions, cheap, well spread. */
export function laneOf(basketId: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < basketId.length; i++) {
    h ^= basketId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % lanes;
}

/**
 * Hot lanes: HOT_LANES queues after the LANES home lanes (`basket-mutations-<LANES + j>`), where a basket
 * whose backlog crossed the hot threshold runs (see basket-backpressure.ts for when it may move), so its
 * backlog no longer sits in front of the other baskets of its home lane. A basket's hot lane is fixed by
 * its id (a second FNV-1a, salted, so two baskets sharing a home lane rarely share a hot lane too).
 */
export function hotLaneOf(basketId: string, lanes: number, hotLanes: number): number {
  return lanes + laneOf(`hot:${basketId}`, hotLanes);
}

export function laneQueueName(lane: number): string {
  return `${LANE_QUEUE_PREFIX}${lane}`;
}

/**
 * BullMQ key prefix of one queue. The `{…}` hash tag keeps all of a queue's keys (which BullMQ's Lua
 * scripts touch together) in one Redis Cluster slot, while different lanes land in different slots.
 */
export function bullPrefix(redisPrefix: string, tag: string): string {
  return `${redisPrefix}:{${tag}}`;
}

export function laneBullPrefix(redisPrefix: string, lane: number): string {
  return bullPrefix(redisPrefix, `lane-${lane}`);
}
