/**
 * The API's Redis round trips per accepted write, counted on the real client (nothing replaced): on
 * standalone Redis a write without an Idempotency-Key writes its ticket and is admitted (counted in,
 * routed) in one script (`admitWithTicket`), then its job is added; what the script leaves behind is what
 * the two steps left (the ticket, the pending entry, the job), and a refusal leaves nothing. A write under
 * a key keeps the ticket, the log lookup and the admission apart (the lookup must come between them).
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

/** Names of the commands the API's client sends while `work` runs. */
async function commandsSent<T>(work: () => Promise<T>): Promise<[T, string[]]> {
  const client = h.res.redis as Redis;
  const names: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    names.push(command.name);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  try {
    return [await work(), names];
  } finally {
    client.sendCommand = send;
  }
}

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

const pendingOf = (basketId: string) => h.res.redis.zrange(pendingKey(h.config.REDIS_PREFIX, basketId), 0, -1);

describe('accepting a write on standalone Redis', () => {
  it('takes 3 round trips over HTTP: the ownership read, the ticket with the admission, the job', async () => {
    expect(h.api.submitter).toBeDefined();
    const id = await basket();
    const headers = { authorization: `Bearer ${h.tokens.sign(OWNER)}`, 'content-type': 'application/json', prefer: 'respond-async' };
    const add = () => h.app.inject({ method: 'POST', url: `${OCAPI}/baskets/${id}/items`, headers, payload: [{ product_id: sku, quantity: 1 }] });
    expect((await add()).statusCode).toBe(202); // the scripts are loaded from here on (a first EVALSHA may meet NOSCRIPT)
    const [res, sent] = await commandsSent(add);
    expect(res.statusCode).toBe(202);
    expect(sent).toEqual(['hmget', 'evalsha', 'evalsha']);
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

  it('a refused write (backpressure) leaves no ticket and no pending entry', async () => {
    const id = await basket();
    for (let i = 0; i < MAX_QUEUED; i++) expect((await h.api.submitter.submit(request(id))).kind).toBe('pending');
    const before = await pendingOf(id);
    const tickets = await h.res.redis.keys(`${h.config.REDIS_PREFIX}:mut:*`);
    const result = await h.api.submitter.submit(request(id));
    expect(result).toEqual({ kind: 'busy', retryAfterSeconds: 1 });
    expect(await pendingOf(id)).toEqual(before);
    expect((await h.res.redis.keys(`${h.config.REDIS_PREFIX}:mut:*`)).sort()).toEqual(tickets.sort());
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
