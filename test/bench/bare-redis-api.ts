/**
 * Benchmark baseline for cached reads: a bare Fastify route that returns one Redis key as it is — the
 * floor under any cached read (no auth, no rendering). Started by `npm run bench`.
 */
import Fastify from 'fastify';
import { loadConfig } from '../../src/config.js';
import { connectRedis } from '../../src/redis/client.js';
import { redisTarget } from '../../src/bootstrap/resources.js';

const config = loadConfig();
const redis = connectRedis(redisTarget(config), { maxRetriesPerRequest: 1, onError: () => undefined });
const app = Fastify({ logger: false });
app.get('/raw/:key', async (req, reply) => {
  const body = await redis.get(`${config.REDIS_PREFIX}:raw:${(req.params as { key: string }).key}`);
  return reply.type('application/json').send(body);
});
await app.listen({ port: config.PORT, host: config.HOST });
process.stdout.write('Server listening\n');
process.on('SIGTERM', () => void app.close().then(() => redis.quit()).then(() => process.exit(0)));
