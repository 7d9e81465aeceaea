/**
 * The small HTTP server of a worker-only process: /health, /ready and /metrics on WORKER_PORT, so
 * Prometheus and orchestrators see workers as well as APIs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { readinessCheck } from '../observability/readiness.js';
import type { Resources } from './resources.js';

export async function createOpsServer(res: Resources): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  const readiness = readinessCheck(res.db, res.redis, res.laneHealth);
  app.get('/ready', async (_req, reply) => {
    const { ready, checks, stuck } = await readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(stuck ? { stuck } : {}) });
  });
  app.get('/metrics', async (_req, reply) => reply.type(res.metrics.registry.contentType).send(await res.metrics.registry.metrics()));
  return app;
}
