/** Entry point: mutation workers alone (`npm run start:worker`), one BullMQ worker per lane. */
import { runProcess } from '../src/bootstrap/run.js';
import { createMutationWorkers } from '../src/bootstrap/worker-process.js';

await runProcess('worker', async (config, res, logger) => {
  const workers = createMutationWorkers(config, res, logger);
  logger.info({ lanes: config.LANES }, 'mutation workers started');
  return [workers];
});
