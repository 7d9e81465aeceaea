/** Everything the HTTP layer needs, built once by the process's composition root. */
import type { RedisClient } from '../redis/client.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../application/store.js';
import type { TokenService } from '../auth/tokens.js';
import type { Submitter } from '../application/submit-mutation.js';
import type { BasketReader } from '../application/get-basket.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import type { Metrics } from '../observability/metrics.js';
import type { Queue } from 'bullmq';
import type { LaneHealth } from '../observability/lane-health.js';
import type { BasketStreams } from './events/basket-streams.js';

export interface ApiDeps {
  readonly config: Config;
  readonly db: Db;
  readonly redis: RedisClient;
  readonly tokens: TokenService;
  readonly submitter: Submitter;
  readonly reader: BasketReader;
  readonly lanes: LaneQueues;
  /** Every queue Bull Board shows (lanes and the scheduler's). */
  readonly boardQueues: readonly Queue[];
  readonly metrics: Metrics;
  /** Lanes this process's watchdog found stuck (its workers, when it runs any): /ready fails while there are some. */
  readonly laneHealth?: LaneHealth;
  readonly logger: Logger;
  /** Live basket streams (SSE); without them the event routes are not offered (the benchmark's inline baseline). */
  readonly streams?: BasketStreams;
}
