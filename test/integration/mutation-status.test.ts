/**
 * The `GET /mutations/{id}` use case (application/mutation-status.ts) against real PostgreSQL and
 * Redis: the record wins once there is one; before it, the ticket and the job's state in its lane say
 * queued, failed or lost; an owner the caller may not read answers null, as a missing mutation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { mutationStatus } from '../../src/application/mutation-status.js';
import { ENQUEUE_GRACE_MS, type Ticket } from '../../src/application/submit-mutation.js';
import { recordFailedMutation } from '../../src/persistence/mutation.repository.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { workers: false });
});
afterAll(async () => h?.close());

const deps = (now = Date.now()) => ({ db: h.res.db, submitter: h.api.submitter, lanes: h.api.lanes, now: () => now });
const anyone = () => true;

async function ticketOnly(ownerId: string, acceptedAt = Date.now()): Promise<{ id: string; basketId: string }> {
  const id = randomUUID();
  const basketId = randomUUID();
  const ticket: Ticket = { basketId, ownerId, requestHash: null, replyTo: null, acceptedAt };
  await h.res.redis.set(h.api.submitter.ticketKey(id), JSON.stringify(ticket), 'EX', 60);
  return { id, basketId };
}

describe('mutation status', () => {
  it('is null for a mutation nobody accepted', async () => {
    expect(await mutationStatus(deps(), randomUUID(), anyone)).toBeNull();
  });

  it('answers a ticket without a job as queued within the grace, lost past it, and refuses another owner', async () => {
    const { id, basketId } = await ticketOnly('status-owner');
    expect(await mutationStatus(deps(), id, anyone)).toEqual({ id, basketId, status: 'queued', version: null, error: null });
    const late = await mutationStatus(deps(Date.now() + ENQUEUE_GRACE_MS + 1000), id, anyone);
    expect(late).toMatchObject({ id, basketId, status: 'lost', version: null, error: { code: 'mutation_lost' } });
    expect(await mutationStatus(deps(), id, (owner) => owner !== 'status-owner')).toBeNull();
  });

  it("finds a hot basket's job in its hot lane: queued past the grace, not lost", async () => {
    const { id, basketId } = await ticketOnly('status-hot', Date.now() - ENQUEUE_GRACE_MS - 1000);
    const lanes = h.api.lanes;
    expect(lanes.laneFor(basketId, true)).not.toBe(lanes.laneFor(basketId));
    // No workers run in this harness: the job waits in the hot lane, where a hot basket's writes go.
    await lanes.addTo(lanes.laneFor(basketId, true), {
      mutationId: id,
      basketId,
      ownerId: 'status-hot',
      role: 'customer',
      command: { kind: 'empty_basket' },
      enqueuedAt: new Date().toISOString(),
    } as never);
    expect(await mutationStatus(deps(), id, anyone)).toEqual({ id, basketId, status: 'queued', version: null, error: null });
    await lanes.queue(lanes.laneFor(basketId, true)).remove(id);
  });

  it('answers from the record once there is one, whatever the ticket says', async () => {
    const { id, basketId } = await ticketOnly('status-recorded', Date.now() - 60_000);
    await recordFailedMutation(h.res.db, {
      id,
      basketId,
      ownerId: 'status-recorded',
      idempotencyKey: null,
      requestHash: null,
      kind: 'add_items',
      payload: {},
      enqueuedAt: new Date(),
      message: 'Internal error; the change was not applied.',
    });
    expect(await mutationStatus(deps(), id, anyone)).toEqual({
      id,
      basketId,
      status: 'failed',
      version: null,
      error: { code: 'internal_error', message: 'Internal error; the change was not applied.' },
    });
    expect(await mutationStatus(deps(), id, (owner) => owner !== 'status-recorded')).toBeNull();
  });
});
