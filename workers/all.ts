/** Entry point of `npm start`: the whole service in one process (API + mutation workers). */
import { runProcess } from '../src/bootstrap/run.js';
import { createApi } from '../src/bootstrap/api-process.js';
import { createMutationWorkers } from '../src/bootstrap/worker-process.js';
import { expiryQueue, startExpiryScheduler } from '../src/bootstrap/expiry-scheduler.js';

await runProcess('basket', async (config, res, logger) => {
  const workers = createMutationWorkers(config, res, logger);
  const scheduler = await startExpiryScheduler(config, res, logger);
  const boardQueue = expiryQueue(config, res);
  const api = await createApi(config, res, logger, [boardQueue]);
  await api.app.listen({ port: config.PORT, host: config.HOST });
  // Closed in reverse: API first (no new work), then the scheduler, then workers (finish in-flight mutations).
  return [workers, scheduler, { close: () => boardQueue.close() }, api];
});
