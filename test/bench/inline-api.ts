/**
 * Benchmark baseline: the same HTTP API, domain and persistence code, but each write is applied inline
 * in the HTTP handler (no queue, no worker, no reply channel). Started by `npm run bench`; not a product
 * entry point — it gives no per-basket ordering guarantee beyond the version guard.
 */
import { randomUUID } from 'node:crypto';
import { runProcess } from '../../src/bootstrap/run.js';
import { buildServer } from '../../src/api/server.js';
import { TokenService } from '../../src/auth/tokens.js';
import { BasketReader } from '../../src/application/get-basket.js';
import { processMutation } from '../../src/application/process-mutation.js';
import { mutationProcessDeps } from '../../src/bootstrap/worker-process.js';
import type { Submitter, SubmitRequest, SubmitResult } from '../../src/application/submit-mutation.js';
import { LaneQueues } from '../../src/queue/lane-queues.js';

await runProcess('inline-baseline', async (config, res, logger) => {
  // Concurrent writes to one basket meet at the version guard here (no lane): give them more retries.
  const deps = { ...mutationProcessDeps(config, res, logger), retry: { attempts: 50, baseDelayMs: 1, maxDelayMs: 20 } };
  const submitter: Submitter = {
    async submit(req: SubmitRequest): Promise<SubmitResult> {
      const outcome = await processMutation(deps, {
        mutationId: randomUUID(),
        basketId: req.basketId,
        ownerId: req.ownerId,
        role: req.role,
        command: req.command,
        idempotencyKey: null,
        requestHash: null,
        enqueuedAt: new Date().toISOString(),
        replyTo: null,
      });
      return { kind: 'finished', outcome };
    },
    readTicket: async () => null,
    jobExists: async () => false,
  };
  const lanes = new LaneQueues(res.redis, config.REDIS_PREFIX, 1);
  const app = await buildServer({
    config,
    db: res.db,
    redis: res.redis,
    tokens: new TokenService(config.JWT_SECRET, config.JWT_TTL_SECONDS),
    submitter,
    reader: new BasketReader({ db: res.db, cache: res.cache }),
    lanes,
    boardQueues: [],
    metrics: res.metrics,
    logger,
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  return [{ close: async () => { await app.close(); await lanes.close(); } }];
});
