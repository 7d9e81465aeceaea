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
