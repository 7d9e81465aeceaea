/**
 * The API's Redis round trips per accepted write, counted on the real client (nothing replaced): on
 * standalone Redis a write without an Idempotency-Key has its ownership checked against the cached head,
 * writes its ticket and is admitted (counted in, routed) in one script (`admitWithTicket`), then its job is
 * added; what the script leaves behind is what the separate steps left (the ticket, the pending entry, the
 * job), and a refusal leaves nothing. A basket the caller may not see is refused exactly as before (404,
 * nothing written); a head not cached is checked the full way. A write under a key keeps the ticket, the
 * log lookup and the admission apart (the lookup must come between them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { applyMutationJob } from '../../src/application/apply-mutation.js';
import { mutationProcessDeps } from '../../src/bootstrap/worker-process.js';
import type { MutationJob } from '../../src/contracts/mutation-job.js';
import type { SubmitRequest } from '../../src/application/submit-mutation.js';
import { pendingKey } from '../../src/queue/basket-backpressure.js';
import { OCAPI, seedProducts, startHarness, type Harness } from '../support/harness.js';
import { commandsSent as commandsSentBy } from '../support/commands-sent.js';

const OWNER = 'round-trips';
const MAX_QUEUED = 3;
let h: Harness;
let sku: string;
beforeAll(async () => {
  // No workers: jobs stay queued, so what a write leaves in Redis can be looked at. Admission is active.
  h = await startHarness({ MAX_QUEUED_PER_BASKET: String(MAX_QUEUED) }, { workers: false });
  sku = `${h.tag}-pen`;
  await seedProducts(h, [{ sku, price: '1.10' }]);
});
afterAll(async () => {
  await h?.close();
});

/** A basket created by applying its creation directly (no worker runs in this file). */
async function basket(): Promise<string> {
  const id = randomUUID();
  const job: MutationJob = {
    mutationId: randomUUID(),
    basketId: id,
    ownerId: OWNER,
    role: 'customer',
    command: { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} },
    idempotencyKey: null,
    requestHash: null,
    enqueuedAt: new Date().toISOString(),
    replyTo: null,
  };
  await applyMutationJob(mutationProcessDeps(h.config, h.res, pino({ level: 'silent' })), job);
  return id;
}

/** Names of the commands the service's client sends while `work` runs (support/commands-sent.ts). */
const commandsSent = <T>(work: () => Promise<T>) => commandsSentBy(h.res.redis as Redis, work);

const request = (basketId: string, extra: Partial<SubmitRequest> = {}): SubmitRequest => ({
  basketId,
  ownerId: OWNER,
  role: 'customer',
  command: { kind: 'add_items', items: [{ sku, quantity: 1 }] },
  idempotencyKey: null,
  requestHash: null,
  respondAsync: true,
  ...extra,
});

const headersOf = (owner: string, role: 'customer' | 'agent' = 'customer') => ({
  authorization: `Bearer ${h.tokens.sign(owner, role)}`,
  'content-type': 'application/json',
  prefer: 'respond-async',
});
const addAs = (owner: string, basketId: string, base = OCAPI) => () =>
  h.app.inject({ method: 'POST', url: `${base}/baskets/${basketId}/items`, headers: headersOf(owner), payload: [{ product_id: sku, quantity: 1 }] });
const tickets = async () => (await h.res.redis.keys(`${h.config.REDIS_PREFIX}:mut:*`)).sort();
const jobsOf = async (basketId: string) => (await h.api.lanes.queue(h.api.lanes.laneFor(basketId)).getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.id).sort();

const pendingOf = (basketId: string) => h.res.redis.zrange(pendingKey(h.config.REDIS_PREFIX, basketId), 0, -1);

describe('accepting a write on standalone Redis', () => {
  it('takes 2 round trips over HTTP: the ownership check with the ticket and the admission, then the job', async () => {
    const id = await basket();
    const add = addAs(OWNER, id);
    expect((await add()).statusCode).toBe(202); // the scripts are loaded from here on (a first EVALSHA may meet NOSCRIPT)
    const [res, sent] = await commandsSent(add);
    expect(res.statusCode).toBe(202);
    expect(sent).toEqual(['evalsha', 'evalsha']);
    expect(await pendingOf(id)).toHaveLength(2);
  });

  it("refuses another customer's basket, another site's, a deleted one, as 404 with nothing written; an agent's write goes in 2", async () => {
    const id = await basket();
    await addAs(OWNER, id)(); // cached head, loaded scripts
    const before = { pending: await pendingOf(id), tickets: await tickets(), jobs: await jobsOf(id) };
    const [foreign, sent] = await commandsSent(addAs('someone-else', id));
    expect(foreign.statusCode).toBe(404);
    expect(sent).toEqual(['evalsha', 'hmget']); // the guard refused; the full check says 404
    const elsewhere = await addAs(OWNER, id, '/s/other-site/dw/shop/v23_2')();
    expect(elsewhere.statusCode).toBe(404);
    // A customer's agent-only write on a basket it may not see: 404 first, as when the basket was read first.
    const adjust = await h.app.inject({
      method: 'POST',
      url: `${OCAPI}/baskets/${id}/price_adjustments`,
      headers: headersOf('someone-else'),
      payload: { level: 'order', discount: { type: 'amount', value: 1 } },
    });
    expect(adjust.statusCode).toBe(404);
    expect({ pending: await pendingOf(id), tickets: await tickets(), jobs: await jobsOf(id) }).toEqual(before);

    const [agent, agentSent] = await commandsSent(() => h.app.inject({ method: 'POST', url: `${OCAPI}/baskets/${id}/items`, headers: headersOf('agent-1', 'agent'), payload: [{ product_id: sku, quantity: 1 }] }));
    expect(agent.statusCode).toBe(202);
    expect(agentSent).toEqual(['evalsha', 'evalsha']);

    await h.res.redis.hset(h.res.cache.key(id), 'st', 'deleted');
    expect((await addAs(OWNER, id)()).statusCode).toBe(404);
    expect(await pendingOf(id)).toHaveLength(before.pending.length + 1);
  });

  it('a head not cached is checked the full way (PostgreSQL, then the refill) before the write goes in', async () => {
    const id = await basket();
    await addAs(OWNER, id)();
    await h.res.cache.forget(id);
    const [res, sent] = await commandsSent(addAs(OWNER, id));
    expect(res.statusCode).toBe(202);
    expect(sent).toEqual(['evalsha', 'hmget', 'evalsha', 'evalsha', 'evalsha']); // guard, head (miss), refill, ticket with admission, job
    await h.res.cache.forget(id);
    expect((await addAs('someone-else', id)()).statusCode).toBe(404);
    expect(await pendingOf(id)).toHaveLength(2);
  });

  it('writes the ticket, counts the mutation in and queues its job, with one script before the add', async () => {
    const id = await basket();
    await h.api.submitter.submit(request(id));
    const [result, sent] = await commandsSent(() => h.api.submitter.submit(request(id)));
    expect(sent).toEqual(['evalsha', 'evalsha']);
    expect(result.kind).toBe('pending');
    const mutationId = (result as { mutationId: string }).mutationId;
    expect(await h.api.submitter.readTicket(mutationId)).toMatchObject({ basketId: id, ownerId: OWNER, requestHash: null, replyTo: null });
    expect(await h.res.redis.ttl(h.api.submitter.ticketKey(mutationId))).toBeGreaterThan(h.config.IDEMPOTENCY_TTL_SECONDS - 5);
    expect(await pendingOf(id)).toContain(mutationId);
    expect(await h.api.submitter.jobExists(mutationId, id)).toBe(true);
    expect((await h.api.lanes.queue(h.api.lanes.laneFor(id)).getJob(mutationId))?.data).toMatchObject({ mutationId, basketId: id, counted: true });
  });

  it('a refused write (backpressure) leaves no ticket and no pending entry, in one round trip', async () => {
    const id = await basket();
    for (let i = 0; i < MAX_QUEUED; i++) expect((await h.api.submitter.submit(request(id))).kind).toBe('pending');
    const before = await pendingOf(id);
    const ticketsBefore = await tickets();
    const [result, sent] = await commandsSent(() => h.api.submitter.submit(request(id)));
    expect(result).toEqual({ kind: 'busy', retryAfterSeconds: 1 });
    expect(sent).toEqual(['evalsha']);
    expect(await pendingOf(id)).toEqual(before);
    expect(await tickets()).toEqual(ticketsBefore);
  });

  it('under an Idempotency-Key: the ticket, the log lookup, then the admission; a repeat gets the same pending mutation', async () => {
    const id = await basket();
    const keyed = request(id, { idempotencyKey: `k-${randomUUID()}`, requestHash: 'h-1' });
    const [first, sent] = await commandsSent(() => h.api.submitter.submit(keyed));
    expect(sent).toEqual(['set', 'evalsha', 'evalsha']);
    expect(first.kind).toBe('pending');
    const [again, repeatSent] = await commandsSent(() => h.api.submitter.submit(keyed));
    expect(again).toEqual(first);
    expect(repeatSent[0]).toBe('set');
    expect(await pendingOf(id)).toEqual([(first as { mutationId: string }).mutationId]);
  });
});
