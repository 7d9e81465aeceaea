/** Entry point: the reservation expiry scheduler alone (its sweeps also run inside `npm start` and `start:worker`). */
import { runProcess } from '../src/bootstrap/run.js';
import { startExpiryScheduler } from '../src/bootstrap/expiry-scheduler.js';

await runProcess('expiry-scheduler', async (config, res, logger) => [await startExpiryScheduler(config, res, logger)]);
