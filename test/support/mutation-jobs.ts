/**
 * Mutation jobs as a lane hands them to a worker, for tests that call the apply use case directly (no
 * API, no queue): a customer's job with no idempotency key and no reply channel unless `extra` says so.
 */
import { randomUUID } from 'node:crypto';
import type { MutationJob } from '../../src/contracts/mutation-job.js';
import type { MutationCommand } from '../../src/domain/mutations.js';

export function mutationJob(basketId: string, command: MutationCommand, extra: Partial<MutationJob> = {}): MutationJob {
  return {
    mutationId: randomUUID(),
    basketId,
    ownerId: 'owner-1',
    role: 'customer',
    command,
    idempotencyKey: null,
    requestHash: null,
    enqueuedAt: new Date().toISOString(),
    replyTo: null,
    ...extra,
  };
}

/** A job creating the basket on the default site. */
export function createBasketJob(basketId: string, extra: Partial<MutationJob> = {}): MutationJob {
  return mutationJob(basketId, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }, extra);
}
