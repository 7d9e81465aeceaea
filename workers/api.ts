/** Entry point: the HTTP API alone (`npm run start:api`), for scaling API and workers separately. */
import { runProcess } from '../src/bootstrap/run.js';
import { createApi } from '../src/bootstrap/api-process.js';
import { expiryQueue } from '../src/bootstrap/expiry-scheduler.js';

await runProcess('api', async (config, res, logger) => {
  const boardQueue = expiryQueue(config, res);
  const api = await createApi(config, res, logger, [boardQueue]);
  await api.app.listen({ port: config.PORT, host: config.HOST });
  return [{ close: () => boardQueue.close() }, api];
});
