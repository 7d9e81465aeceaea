/**
 * The one write path of every dialect (OCAPI and SCAPI basket operations, SCAPI merge and transfer,
 * Akinon): the Idempotency-Key and `Prefer: respond-async` from the headers, the request's hash (what
 * makes a repeat of the key the same request), the mutation into its basket's lane, the wait for the
 * worker's reply, and the answer: the dialect's rendering once applied, the dialect's error once
 * rejected, 202 + Location while still pending, 422 on a key reused for another request, 429 when the
 * basket is busy. A dialect only builds the command and renders the outcome.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Submitter, SubmitRequest, SubmitResult } from '../application/submit-mutation.js';
import { requestHash } from '../application/ids.js';
import type { MutationCommand } from '../domain/mutations.js';
import type { MutationOutcome, Role } from '../contracts/mutation-job.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';
import { ApiError } from './errors.js';
import { etag, mutationStatusBody, outcomeError, writeOptions } from './http.js';

export interface BasketWrite {
  readonly basketId: string;
  readonly caller: { readonly ownerId: string; readonly role: Role };
  readonly command: MutationCommand;
  /** The request as its hash sees it: method, route, and the content that makes it this request. */
  readonly request: { readonly method: string; readonly route: string; readonly content: unknown };
  /**
   * The caller's ownership of the basket, not yet checked: active on `siteId`, owned by `ownerId` (null:
   * an agent). The submitter checks it with the ticket when it can (`submitOwned`); else `check` does
   * (the full check: throws the dialect's 404), before the write is submitted.
   */
  readonly owned?: { readonly siteId: string; readonly ownerId: string | null; readonly check: () => Promise<unknown> };
}

export type RejectedOutcome = Exclude<MutationOutcome, { status: 'applied' }>;

export interface WriteAnswers {
  /** The answer once applied (the reply already carries the new version's ETag). */
  readonly applied: (snapshot: BasketSnapshot, mutationId: string) => FastifyReply | Promise<FastifyReply>;
  /**
   * A rejection answered otherwise than as the dialect's error: true once it has answered, false to
   * answer it as the error. (A boolean, not the reply: a Fastify reply is thenable, and awaiting it yields undefined.)
   */
  readonly rejected?: (outcome: RejectedOutcome) => Promise<boolean>;
}

export async function submitWrite(
  submitter: Pick<Submitter, 'submit' | 'submitOwned'>,
  req: FastifyRequest,
  reply: FastifyReply,
  write: BasketWrite,
  answers: WriteAnswers,
): Promise<FastifyReply> {
  const { idempotencyKey, respondAsync } = writeOptions(req);
  const request: SubmitRequest = {
    basketId: write.basketId,
    ownerId: write.caller.ownerId,
    role: write.caller.role,
    command: write.command,
    idempotencyKey,
    // Only a repeat under the same Idempotency-Key compares the hash, so a request without one skips the hashing.
    requestHash: idempotencyKey ? requestHash(write.request.method, write.request.route, write.request.content) : null,
    respondAsync,
  };
  const owned = write.owned;
  let result = owned && submitter.submitOwned ? await submitter.submitOwned(request, { siteId: owned.siteId, ownerId: owned.ownerId }) : null;
  if (result === null) {
    if (owned) await owned.check();
    result = await submitter.submit(request);
  }
  if (result.kind === 'finished' && result.outcome.status !== 'applied' && answers.rejected && (await answers.rejected(result.outcome))) return reply;
  return answerWrite(reply, result, write.basketId, answers.applied);
}

/** Answers a submitted write (see the file's comment). */
export function answerWrite(
  reply: FastifyReply,
  result: SubmitResult,
  basketId: string,
  applied: WriteAnswers['applied'],
): FastifyReply | Promise<FastifyReply> {
  switch (result.kind) {
    case 'idempotency_conflict':
      throw new ApiError('idempotency_conflict', 'This Idempotency-Key was already used for a different request.');
    case 'busy':
      reply.header('retry-after', String(result.retryAfterSeconds));
      throw new ApiError('basket_busy', `This basket has too many changes waiting to be applied; retry in ${result.retryAfterSeconds} s.`);
    case 'pending':
      return reply
        .code(202)
        .header('location', `/mutations/${result.mutationId}`)
        .send(mutationStatusBody(result.mutationId, basketId, 'queued', null, null));
    case 'finished': {
      const outcome = result.outcome;
      if (outcome.status !== 'applied') throw outcomeError(outcome);
      reply.header('etag', etag(outcome.version));
      return applied(outcome.snapshot, outcome.mutationId);
    }
  }
}
