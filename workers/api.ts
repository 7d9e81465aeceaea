/** Entry point: the HTTP API alone (`npm run start:api`), for scaling API and workers separately. */
import { runProcess } from '../src/bootstrap/run.js';
import { createApi } from '../src/bootstrap/api-process.js';

await runProcess('api', async (config, res, logger) => {
  const api = await createApi(config, res, logger);
  await api.app.listen({ port: config.PORT, host: config.HOST });
  return [api];
});
