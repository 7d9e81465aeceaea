/** Entry point: mutation workers alone (`npm run start:worker`), one BullMQ worker per lane. */
import { runProcess } from '../src/bootstrap/run.js';
import { createMutationWorkers } from '../src/bootstrap/worker-process.js';
import { createOpsServer } from '../src/bootstrap/ops-server.js';
import { startExpiryScheduler } from '../src/bootstrap/expiry-scheduler.js';

await runProcess('worker', async (config, res, logger) => {
  const workers = createMutationWorkers(config, res, logger);
  const scheduler = await startExpiryScheduler(config, res, logger);
  const ops = await createOpsServer(res);
  const address = await ops.listen({ port: config.WORKER_PORT, host: config.HOST });
  logger.info({ lanes: config.LANES, ops: address }, 'mutation workers started');
  // Closed in reverse: workers first (finish in-flight jobs), then the ops server.
  return [{ close: () => ops.close() }, scheduler, workers];
});
