/**
 * Prometheus metrics (prom-client), one registry per process. The API and the workers record into the
 * same object when they share a process (`npm start`); a worker-only process serves its own /metrics.
 */
import client from 'prom-client';
import type { Queue } from 'bullmq';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly mutations = new client.Counter({
    name: 'basket_mutations_total',
    help: 'Mutations finished by workers, by kind and status (applied, rejected, failed); duplicates are redelivered jobs',
    labelNames: ['kind', 'status', 'duplicate'] as const,
    registers: [this.registry],
  });
  readonly applyDuration = new client.Histogram({
    name: 'basket_mutation_apply_duration_seconds',
    help: 'Time a worker spends applying one mutation (database, cache, reply)',
    labelNames: ['kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly enqueueToApplied = new client.Histogram({
    name: 'basket_mutation_enqueue_to_applied_seconds',
    help: 'Time from the API accepting a mutation to a worker finishing it',
    labelNames: ['kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly snapshotCache = new client.Counter({
    name: 'basket_snapshot_cache_total',
    help: 'Basket reads served from the Redis snapshot (hit) or PostgreSQL (miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(processName: string) {
    this.registry.setDefaultLabels({ process: processName });
    client.collectDefaultMetrics({ register: this.registry });
  }

  /** Waiting and active jobs per lane, read from Redis at scrape time. */
  watchQueues(queues: readonly Queue[]): void {
    this.registry.removeSingleMetric('basket_lane_jobs');
    new client.Gauge({
      name: 'basket_lane_jobs',
      help: 'Jobs per lane queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'failed')));
        this.reset();
        queues.forEach((q, i) => {
          for (const [state, n] of Object.entries(counts[i]!)) this.set({ queue: q.name, state }, n);
        });
      },
    });
  }
}
