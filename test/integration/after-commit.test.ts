/**
 * The worker's after-commit Redis work on standalone Redis: the cache write, the count-out of the basket's
 * pending set, the reply and the stream notice go as one script (one round trip), in that order; when the
 * script fails, the same steps are done one by one (process-mutation.ts `afterCommitInOneTrip`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { applyMutationJob } from '../../src/application/apply-mutation.js';
import { processMutation } from '../../src/application/process-mutation.js';
import { mutationProcessDeps } from '../../src/bootstrap/worker-process.js';
import type { MutationJob, MutationOutcome } from '../../src/contracts/mutation-job.js';
import { pendingKey } from '../../src/queue/basket-backpressure.js';
import { basketEventChannel } from '../../src/queue/basket-events.js';
import type { Subscriber } from '../../src/redis/pubsub.js';
import { seedProducts, startHarness, type Harness } from '../support/harness.js';
import { commandsSent as commandsSentBy } from '../support/commands-sent.js';
import { createBasketJob, mutationJob } from '../support/mutation-jobs.js';

let h: Harness;
let sku: string;
let subscriber: Subscriber;
/** The observers' own connection: their reads must not count among the commands the worker's client sends. */
let observer: Redis;
beforeAll(async () => {
  h = await startHarness({}, { workers: false });
  sku = `${h.tag}-pen`;
  await seedProducts(h, [{ sku, price: '1.10' }]);
  subscriber = h.res.newSubscriber();
  observer = h.res.newRedis() as Redis;
});
afterAll(async () => {
  await subscriber?.close();
  observer?.disconnect();
  await h?.close();
});

const logger = pino({ level: 'silent' });
const deps = () => mutationProcessDeps(h.config, h.res, logger);
const job = mutationJob;
const create = (id: string) => createBasketJob(id);
const add = (id: string, extra: Partial<MutationJob> = {}) => job(id, { kind: 'add_items', items: [{ sku, quantity: 1 }] }, extra);

/** Names of the commands the service's client sends while `work` runs (support/commands-sent.ts). */
const commandsSent = <T>(work: () => Promise<T>) => commandsSentBy(h.res.redis as Redis, work);

/** Resolves with the first message on `channel`, and with what the cache and the pending set held when it arrived. */
async function firstMessage(channel: string, basketId: string, mutationId: string) {
  let unsubscribe: (() => Promise<void>) | undefined;
  const seen = new Promise<{ message: string; cachedVersion: string | null; pending: string | null }>((resolve) => {
    void subscriber
      .subscribe(channel, (message) => {
        void Promise.all([
          observer.hget(h.res.cache.key(basketId), 'v'),
          observer.zscore(pendingKey(h.config.REDIS_PREFIX, basketId), mutationId).catch(() => 'not a sorted set'),
        ]).then(([cachedVersion, pending]) => resolve({ message, cachedVersion, pending }));
      })
      .then((u) => (unsubscribe = u));
  });
  await new Promise((r) => setTimeout(r, 50));
  return { seen, unsubscribe: () => unsubscribe?.() };
}

describe('after commit, on standalone Redis', () => {
  it('the cache write, count-out, reply and stream notice are one command, and each lands (cache and count-out before the reply)', async () => {
    expect(h.res.cache.canWriteThen).toBe(true);
    const d = deps();
    expect(d.oneTrip).toEqual({ eventPrefix: h.config.REDIS_PREFIX });
    const id = randomUUID();
    await processMutation(d, create(id));
    await processMutation(d, add(id)); // the script is loaded from here on (a first EVALSHA may meet NOSCRIPT)

    const replyTo = `${h.config.REDIS_PREFIX}:reply:${randomUUID()}`;
    const j = add(id, { replyTo, counted: true });
    await h.res.redis.zadd(pendingKey(h.config.REDIS_PREFIX, id), Date.now(), j.mutationId);
    const reply = await firstMessage(replyTo, id, j.mutationId);
    const event = await firstMessage(basketEventChannel(h.config.REDIS_PREFIX, id), id, j.mutationId);
    const [outcome, sent] = await commandsSent(() => processMutation(d, j));

    expect(outcome).toMatchObject({ status: 'applied', version: 3 });
    expect(sent).toEqual(['evalsha']);
    const r = await reply.seen;
    const replied = JSON.parse(r.message) as MutationOutcome;
    expect(replied).toMatchObject({ status: 'applied', mutationId: j.mutationId, version: 3 });
    expect(replied.status === 'applied' && replied.snapshot.version).toBe(3);
    expect(r.cachedVersion).toBe('3');
    expect(r.pending).toBeNull();
    expect((await event.seen).message).toBe('3');
    expect(JSON.parse((await h.res.cache.readBody(id, 3))!)).toEqual(replied.status === 'applied' ? replied.snapshot : null);
    await reply.unsubscribe();
    await event.unsubscribe();
  });

  it('a failing script is redone step by step: the cache, the reply and the notice still land', async () => {
    const d = deps();
    const id = randomUUID();
    await processMutation(d, create(id));
    // The pending set's key holds a string: the script's ZREM fails after the cache write, before any PUBLISH.
    await h.res.redis.set(pendingKey(h.config.REDIS_PREFIX, id), 'not a sorted set');
    const replyTo = `${h.config.REDIS_PREFIX}:reply:${randomUUID()}`;
    const j = add(id, { replyTo, counted: true });
    const reply = await firstMessage(replyTo, id, j.mutationId);
    const event = await firstMessage(basketEventChannel(h.config.REDIS_PREFIX, id), id, j.mutationId);
    const [outcome, sent] = await commandsSent(() => processMutation(d, j));

    expect(outcome).toMatchObject({ status: 'applied', version: 2 });
    expect(sent).toEqual(['evalsha', 'evalsha', 'zrem', 'publish', 'publish']);
    expect(JSON.parse((await reply.seen).message)).toMatchObject({ status: 'applied', version: 2 });
    expect((await event.seen).message).toBe('2');
    expect(await h.res.redis.hget(h.res.cache.key(id), 'v')).toBe('2');
    await reply.unsubscribe();
    await event.unsubscribe();
  });

  it('without `oneTrip` (a cluster) the steps go one command each', async () => {
    const { oneTrip: _none, ...d } = deps();
    const id = randomUUID();
    await applyMutationJob(d, create(id));
    const j = add(id, { replyTo: `${h.config.REDIS_PREFIX}:reply:${randomUUID()}`, counted: true });
    const [, sent] = await commandsSent(() => processMutation(d, j));
    expect(sent.sort()).toEqual(['evalsha', 'publish', 'publish', 'zrem']);
  });
});
