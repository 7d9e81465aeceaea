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
  readonly warmStates = new client.Counter({
    name: 'basket_warm_state_total',
    help: 'Mutations applied from the state the worker last wrote for their basket (hit), or that tried and read it afresh (miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly laneWorkerRecreated = new client.Counter({
    name: 'basket_lane_worker_recreated_total',
    help: 'Workers the lane watchdog closed and recreated because their queue had waiting jobs, none active and no progress',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(processName: string) {
    this.registry.setDefaultLabels({ process: processName });
    client.collectDefaultMetrics({ register: this.registry });
  }

  private laneTimer: NodeJS.Timeout | null = null;

  /**
   * Jobs per lane and state, gathered every `intervalMs` in one pass over the lanes (one job-count
   * script per lane) and served from memory by every scrape: scrapers, however many, cost Redis
   * nothing. The first pass starts at once. `stopWatching()` ends the timer.
   */
  watchQueues(queues: readonly Queue[], intervalMs = 5000): void {
    this.stopWatching();
    this.registry.removeSingleMetric('basket_lane_jobs');
    const gauge = new client.Gauge({
      name: 'basket_lane_jobs',
      help: `Jobs per lane queue and state (gathered every ${intervalMs} ms)`,
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
    });
    let running = false;
    const pass = async () => {
      if (running) return;
      running = true;
      try {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'failed')));
        gauge.reset();
        queues.forEach((q, i) => {
          for (const [state, n] of Object.entries(counts[i]!)) gauge.set({ queue: q.name, state }, n);
        });
        this.lanePasses++;
      } catch {
        // Redis unreachable: keep the last figures; the next pass tries again.
      } finally {
        running = false;
      }
    };
    void pass();
    this.laneTimer = setInterval(() => void pass(), intervalMs);
    this.laneTimer.unref();
  }

  /** How many lane passes have completed (for tests and debugging). */
  lanePasses = 0;

  stopWatching(): void {
    if (this.laneTimer) clearInterval(this.laneTimer);
    this.laneTimer = null;
  }
}
