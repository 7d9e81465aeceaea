/**
 * Accepting a mutation at the API: idempotency, enqueue into the basket's lane, and (by default) wait
 * for the worker's reply. Contract (README "API in brief", writes):
 *  - same Idempotency-Key + same request → the first outcome, nothing applied again;
 *  - same key, different request → `idempotency_conflict`;
 *  - a repeat while the first is still queued → the same pending mutation, never a second apply.
 * Every accepted mutation leaves a ticket `<prefix>:mut:<id>` in Redis (owner, basket, request hash)
 * so `GET /mutations/{id}` can answer `queued` before any worker has touched it.
 */
import type { RedisClient } from '../redis/client.js';
import type { Db } from '../persistence/database.js';
import { findMutation } from '../persistence/mutation.repository.js';
import type { LaneQueues } from '../queue/lane-queues.js';
import type { BasketBackpressure, TicketWrite } from '../queue/basket-backpressure.js';
import type { ReplyListener } from '../queue/reply-channel.js';
import type { MutationCommand } from '../domain/mutations.js';
import { idempotentMutationId, newMutationId } from './ids.js';
import { outcomeOfRecord, storedSnapshot } from './recorded-outcome.js';
import type { MutationJob, MutationOutcome, Role } from '../contracts/mutation-job.js';
import type { MutationRow } from '../persistence/database.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';

export interface Ticket {
  readonly basketId: string;
  readonly ownerId: string;
  readonly requestHash: string | null;
  readonly replyTo: string | null;
  /** When the ticket was written (ms since the epoch); absent on tickets written by older code. */
  readonly acceptedAt?: number;
}

/**
 * How long after its ticket a mutation may still be on its way into its lane (the accepting request is
 * between writing the ticket and adding the job). Past it, a ticket with neither job nor record means the
 * accepting process died in between: the mutation was never queued and nothing was applied.
 */
export const ENQUEUE_GRACE_MS = 15_000;

/** How long an accept whose add failed looks for its job before answering 503 (well within the grace above). */
export const ENQUEUE_CHECK_MS = 6_000;

export type SubmitResult =
  | { readonly kind: 'finished'; readonly outcome: MutationOutcome }
  | { readonly kind: 'pending'; readonly mutationId: string }
  | { readonly kind: 'idempotency_conflict' }
  /** The basket has too many mutations queued (backpressure): nothing was accepted; retry later. */
  | { readonly kind: 'busy'; readonly retryAfterSeconds: number };

export interface SubmitRequest {
  readonly basketId: string;
  readonly ownerId: string;
  readonly role: Role;
  readonly command: MutationCommand;
  readonly idempotencyKey: string | null;
  /** What a repeat of the request must match; only compared under an Idempotency-Key (null: none given, nothing to compare). */
  readonly requestHash: string | null;
  readonly respondAsync: boolean;
}

/** Whose basket a write must be on: active on `siteId`, owned by `ownerId` (null: an agent, any owner). */
export interface OwnedBy {
  readonly siteId: string;
  readonly ownerId: string | null;
}

/** What the HTTP layer needs from the write path (the lane submitter; a benchmark baseline applies inline). */
export interface Submitter {
  submit(req: SubmitRequest): Promise<SubmitResult>;
  /**
   * `submit`, but only on the basket's cached head showing it `owned`, checked in the round trip that
   * writes the ticket (no separate read). Null: nothing was done (the head is not cached or does not
   * show that, or this write cannot be checked so: it has an Idempotency-Key, or Redis is a cluster);
   * the caller checks ownership the full way, then calls `submit`. Optional: without it, always so.
   */
  submitOwned?(req: SubmitRequest, owned: OwnedBy): Promise<SubmitResult | null>;
  readTicket(mutationId: string): Promise<Ticket | null>;
  /** Whether the mutation's job still exists in its lane (waiting, active, finished or failed). */
  jobExists(mutationId: string, basketId: string): Promise<boolean>;
}

export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
}

export class MutationSubmitter implements Submitter {
  constructor(
    private readonly deps: {
      readonly db: Db;
      readonly redis: RedisClient;
      readonly lanes: LaneQueues;
      readonly replies: ReplyListener;
      readonly prefix: string;
      readonly syncWaitMs: number;
      readonly ticketTtlSeconds: number;
      readonly now: () => Date;
      /** Per-basket bound on queued mutations (absent: none). */
      readonly backpressure?: BasketBackpressure;
      /** The snapshot cache, whose head `submitOwned` checks (absent: `submitOwned` always answers null). */
      readonly cache?: Pick<SnapshotCache, 'ownershipGuard'>;
    },
  ) {}

  ticketKey(mutationId: string): string {
    return `${this.deps.prefix}:mut:${mutationId}`;
  }

  async readTicket(mutationId: string): Promise<Ticket | null> {
    const raw = await this.deps.redis.get(this.ticketKey(mutationId));
    return raw === null ? null : (JSON.parse(raw) as Ticket);
  }

  async submit(req: SubmitRequest): Promise<SubmitResult> {
    const { deps } = this;
    const mutationId = req.idempotencyKey === null ? newMutationId() : idempotentMutationId(req.ownerId, req.idempotencyKey);
    const wait = !req.respondAsync && deps.syncWaitMs > 0;
    // Without an Idempotency-Key nothing is looked up between the ticket and the admission, so on standalone
    // Redis both go in one script: one round trip instead of two (basket-backpressure.ts `admitWithTicket`).
    if (req.idempotencyKey === null && deps.backpressure?.canAdmitWithTicket) return (await this.submitInOneTrip(req, mutationId, wait, null))!;
    return this.submitInSteps(req, mutationId, wait);
  }

  async submitOwned(req: SubmitRequest, owned: OwnedBy): Promise<SubmitResult | null> {
    const { deps } = this;
    if (req.idempotencyKey !== null || !deps.backpressure?.canAdmitWithTicket || !deps.cache) return null;
    const guard = deps.cache.ownershipGuard(req.basketId, owned.siteId, owned.ownerId);
    return this.submitInOneTrip(req, newMutationId(), !req.respondAsync && deps.syncWaitMs > 0, guard);
  }

  private ticketOf(req: SubmitRequest, wait: boolean): Ticket {
    return {
      basketId: req.basketId,
      ownerId: req.ownerId,
      requestHash: req.idempotencyKey ? req.requestHash : null,
      replyTo: wait ? this.deps.replies.channel : null,
      acceptedAt: this.deps.now().getTime(),
    };
  }

  private async forget(mutationId: string): Promise<void> {
    await this.deps.redis.del(this.ticketKey(mutationId)).catch(() => undefined);
  }

  /**
   * The ticket and the admission in one script (`admitWithTicket`; only when `canAdmitWithTicket`), then
   * the job. With `guard`, only if its hash holds its fields; else null, and nothing was done.
   */
  private async submitInOneTrip(req: SubmitRequest, mutationId: string, wait: boolean, guard: TicketWrite['guard'] | null): Promise<SubmitResult | null> {
    const { deps } = this;
    const bp = deps.backpressure!;
    const release = () => bp.release(req.basketId, mutationId).catch(() => undefined);
    const written: TicketWrite = {
      key: this.ticketKey(mutationId),
      text: JSON.stringify(this.ticketOf(req, wait)),
      ttlSeconds: deps.ticketTtlSeconds,
      ...(guard ? { guard } : {}),
    };
    const admitted = await bp.admitWithTicket(written, req.basketId, mutationId, () => deps.now().getTime(), { hold: wait }).catch(async (err) => {
      // Either part may have run: undo both (each undo is harmless when its part did not run).
      await this.forget(mutationId);
      await release();
      throw new ServiceUnavailableError(`could not record the mutation's ticket and count it in: ${(err as Error).message}`);
    });
    if (admitted.kind === 'unverified') return null;
    if (admitted.kind === 'taken') return this.repeat(mutationId, req, wait);
    if (admitted.kind === 'refused') return { kind: 'busy', retryAfterSeconds: 1 }; // the script deleted the ticket
    if (admitted.kind === 'busy') {
      await this.forget(mutationId);
      return { kind: 'busy', retryAfterSeconds: 1 };
    }
    return this.enqueue(mutationId, req, wait, true, deps.lanes.laneFor(req.basketId, admitted.hot), async () => {
      await this.forget(mutationId);
      await release();
    });
  }

  /** The ticket, (under an Idempotency-Key) the log lookup, the admission, the job: one step each. */
  private async submitInSteps(req: SubmitRequest, mutationId: string, wait: boolean): Promise<SubmitResult> {
    const { deps } = this;
    const ticket = this.ticketOf(req, wait);
    const forget = () => this.forget(mutationId);
    const bp = deps.backpressure;
    let fresh: string | null;
    try {
      fresh = await deps.redis.set(this.ticketKey(mutationId), JSON.stringify(ticket), 'EX', deps.ticketTtlSeconds, 'NX');
    } catch (err) {
      throw new ServiceUnavailableError(`could not record mutation ticket: ${(err as Error).message}`);
    }
    if (fresh === null) return this.repeat(mutationId, req, wait);
    if (req.idempotencyKey !== null) {
      // The ticket may have expired (or Redis lost it) while the mutation log still remembers the key.
      const earlier = await this.recorded(mutationId).catch(async (err) => {
        await forget();
        throw err;
      });
      if (earlier) return this.answerRecorded(earlier, req);
    }

    let counted = false;
    let lane = deps.lanes.laneFor(req.basketId);
    if (bp?.active) {
      // Counted in, and told its lane (home, or hot for a hot basket: basket-backpressure.ts). Only a
      // write whose client waits for the result may wait for its basket's move; an asynchronous one is
      // accepted at once into the basket's current lane (a 202 is meant to be quick, and under a
      // backlog everywhere, holding every write would only stall the accepts).
      const admitted = await bp
        .admit(req.basketId, mutationId, () => deps.now().getTime(), { hold: wait })
        .catch(async (err) => {
          await forget();
          throw new ServiceUnavailableError(`could not count the basket's queued mutations: ${(err as Error).message}`);
        });
      if (admitted.kind === 'busy') {
        await forget();
        return { kind: 'busy', retryAfterSeconds: 1 };
      }
      counted = true;
      lane = deps.lanes.laneFor(req.basketId, admitted.hot);
    }
    return this.enqueue(mutationId, req, wait, counted, lane, async () => {
      await forget();
      if (counted) await bp!.release(req.basketId, mutationId).catch(() => undefined);
    });
  }

  /**
   * After a failed add: whether its job exists after all (true), is known absent (false), or could not be
   * told while Redis stayed unreachable (null), asking for up to ENQUEUE_CHECK_MS (a cluster failover
   * takes a few seconds; a lost reply on a live connection is answered at once).
   */
  private async jobFoundAfterFailedAdd(mutationId: string, basketId: string): Promise<boolean | null> {
    const until = Date.now() + ENQUEUE_CHECK_MS;
    for (;;) {
      try {
        return await this.jobExists(mutationId, basketId);
      } catch {
        if (Date.now() >= until) return null;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async jobExists(mutationId: string, basketId: string): Promise<boolean> {
    return (await this.deps.lanes.jobState(mutationId, basketId)) !== 'unknown';
  }

  /**
   * Adds the mutation's job into `lane` (job id = mutation id: BullMQ adds nothing when that job already
   * exists) and waits for its outcome when asked to. `onFailure` undoes what the caller wrote before.
   */
  private async enqueue(
    mutationId: string,
    req: SubmitRequest,
    wait: boolean,
    counted: boolean,
    lane: number,
    onFailure: () => Promise<void>,
  ): Promise<SubmitResult> {
    const { deps } = this;
    const waiter = wait ? deps.replies.expect(mutationId, deps.syncWaitMs) : null;
    const job: MutationJob = {
      mutationId,
      basketId: req.basketId,
      ownerId: req.ownerId,
      role: req.role,
      command: req.command,
      idempotencyKey: req.idempotencyKey,
      requestHash: req.idempotencyKey ? req.requestHash : null,
      enqueuedAt: deps.now().toISOString(),
      replyTo: wait ? deps.replies.channel : null,
      ...(counted ? { counted } : {}),
    };
    try {
      await deps.lanes.addTo(lane, job);
    } catch (err) {
      // An error does not prove the job is absent: a failover (or a dropped connection) can lose the reply
      // of an add that ran. A 503 must mean "not applied", so look for the job first: found, it is queued
      // and answered as such; only a job known to be absent (or a Redis that stays unreachable while we
      // look) is answered 503.
      if ((await this.jobFoundAfterFailedAdd(mutationId, req.basketId)) !== true) {
        waiter?.cancel();
        await onFailure();
        throw new ServiceUnavailableError(`could not enqueue mutation: ${(err as Error).message}`);
      }
    }
    if (!waiter) return { kind: 'pending', mutationId };
    const outcome = await waiter.promise;
    return outcome ? { kind: 'finished', outcome } : { kind: 'pending', mutationId };
  }

  /** A second request with an Idempotency-Key already seen (the ticket exists). */
  private async repeat(mutationId: string, req: SubmitRequest, wait: boolean): Promise<SubmitResult> {
    const ticket = await this.readTicket(mutationId).catch((err) => {
      throw new ServiceUnavailableError(`could not read mutation ticket: ${(err as Error).message}`);
    });
    if (ticket && (ticket.requestHash !== req.requestHash || ticket.basketId !== req.basketId)) return { kind: 'idempotency_conflict' };
    // Attach to the first request's wait when it runs in this instance — before looking at the log, so
    // a reply published in between is not missed.
    const waiter = wait && ticket?.replyTo === this.deps.replies.channel ? this.deps.replies.expect(mutationId, this.deps.syncWaitMs) : null;
    const row = await this.recorded(mutationId).catch((err) => {
      waiter?.cancel();
      throw err;
    });
    if (row) {
      waiter?.cancel();
      return this.answerRecorded(row, req);
    }
    // A ticket with neither record nor job: the process that wrote the ticket died before adding the
    // job (or Redis lost the job). This repeat carries the same request (same hash), so it enqueues it
    // under the same id: at most one job can exist, and a worker that finds the record only re-answers.
    if (ticket && !(await this.jobExists(mutationId, req.basketId).catch(() => true))) {
      waiter?.cancel();
      const again = await this.recorded(mutationId);
      if (again) return this.answerRecorded(again, req);
      // Counted in its basket's pending set like a fresh one (the crashed attempt may already have been:
      // admitting a member again is a no-op), so the worker counts it out and no stale entry lingers.
      const bp = this.deps.backpressure;
      if (bp?.active) {
        const admitted = await bp
          .admit(req.basketId, mutationId, () => this.deps.now().getTime(), { hold: wait })
          .catch(() => {
            throw new ServiceUnavailableError("could not count the basket's queued mutations");
          });
        if (admitted.kind === 'busy') return { kind: 'busy', retryAfterSeconds: 1 };
        return this.enqueue(mutationId, req, wait, true, this.deps.lanes.laneFor(req.basketId, admitted.hot), async () => undefined);
      }
      return this.enqueue(mutationId, req, wait, false, this.deps.lanes.laneFor(req.basketId), async () => undefined);
    }
    const outcome = waiter ? await waiter.promise : null;
    return outcome ? { kind: 'finished', outcome } : { kind: 'pending', mutationId };
  }

  private async recorded(mutationId: string): Promise<MutationRow | null> {
    try {
      return await findMutation(this.deps.db, mutationId);
    } catch (err) {
      throw new ServiceUnavailableError(`could not read the mutation log: ${(err as Error).message}`);
    }
  }

  private async answerRecorded(row: MutationRow, req: SubmitRequest): Promise<SubmitResult> {
    if (row.basket_id !== req.basketId || (row.request_hash !== null && row.request_hash !== req.requestHash)) return { kind: 'idempotency_conflict' };
    const outcome = await outcomeOfRecord(row, { mutationId: row.id, basketId: row.basket_id }, storedSnapshot(this.deps.db, row.basket_id));
    // Applied, and the basket is gone with no stored result: the mutation did finish; its status read says so.
    return outcome ? { kind: 'finished', outcome } : { kind: 'pending', mutationId: row.id };
  }
}
