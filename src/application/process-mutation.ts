/**
 * What a lane worker does with one job: apply it (retrying transient errors in place, so the lane's
 * order holds), then publish the new snapshot to the cache and reply to the waiting API instance.
 * Never throws for business outcomes; throws only when the mutation could not be applied at all, after
 * recording it as `failed` when the database lets it.
 */
import type { Logger } from 'pino';
import type { Publisher } from '../redis/pubsub.js';
import type { RedisClient } from '../redis/client.js';
import { applyMutationJob, type ApplyDeps } from './apply-mutation.js';
import { CONTRACT_FORMAT, type MutationJob, type MutationOutcome } from '../contracts/mutation-job.js';
import { isTransientError } from './transient-error.js';
import { recordFailedMutation } from '../persistence/mutation.repository.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import { publishReply, replyText } from '../queue/reply-channel.js';
import { basketEventChannel } from '../queue/basket-events.js';
import { pendingKey, releasePending } from '../queue/basket-backpressure.js';
import { outcomeOfRecord, storedSnapshot } from './recorded-outcome.js';

export interface ProcessDeps extends ApplyDeps {
  readonly cache: SnapshotCache;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Bounded in-place retries of transient errors: attempts and the first back-off. */
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  /** Redis prefix of the baskets' pending sets (backpressure): a finished mutation is counted out. */
  readonly pendingPrefix?: string;
  /** Where the baskets' pending sets live (with `pendingPrefix`). */
  readonly redis?: RedisClient;
  /** Tells the API processes' basket streams about each new version (after the cache has it). */
  readonly events?: { publish(basketId: string, version: number): Promise<void> };
  readonly onApplied?: (job: MutationJob, outcome: MutationOutcome, durationMs: number, duplicate: boolean) => void;
  /**
   * Set where the cache, the pending sets, the replies and the basket events share one standalone Redis
   * (`cache.canWriteThen`): an applied mutation's after-commit work (cache write, count-out, reply, stream
   * notice) goes as one script, one round trip, in that order (`afterCommitInOneTrip`). `eventPrefix`: the
   * Redis prefix of the basket event channels (`events` publishes there too). Absent: one command each.
   */
  readonly oneTrip?: { readonly eventPrefix: string };
}

export class MutationFailedError extends Error {
  override readonly name = 'MutationFailedError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function processMutation(deps: ProcessDeps, job: MutationJob, log: Logger = deps.logger): Promise<MutationOutcome> {
  const started = performance.now();
  let outcome: MutationOutcome | null = null;
  let duplicate = false;
  let alsoChanged: readonly BasketSnapshot[] = [];
  let snapshotJson: string | undefined;
  for (let attempt = 1; outcome === null; attempt++) {
    try {
      // A job from a newer release may mean something this code cannot do: fail it rather than guess.
      if ((job.format ?? 1) > CONTRACT_FORMAT) throw new Error(`job format ${job.format} is newer than this worker's (${CONTRACT_FORMAT})`);
      ({ outcome, duplicate, alsoChanged = [], snapshotJson } = await applyMutationJob(deps, job));
    } catch (err) {
      const transient = isTransientError(err);
      if (!transient || attempt >= deps.retry.attempts) {
        log.error({ err, attempt, transient }, 'mutation failed');
        outcome = await recordFailure(deps, job, err, log);
        break;
      }
      const delay = Math.min(deps.retry.maxDelayMs, deps.retry.baseDelayMs * 2 ** (attempt - 1));
      log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, attempt, delay }, 'transient error, retrying in lane');
      await sleep(delay);
    }
  }

  const oneTrip = outcome.status === 'applied' && !duplicate && alsoChanged.length === 0 ? deps.oneTrip : undefined;
  if (oneTrip && outcome.status === 'applied' && (await afterCommitInOneTrip(deps, oneTrip, job, outcome, snapshotJson, log))) {
    deps.onApplied?.(job, outcome, performance.now() - started, duplicate);
    log.debug({ status: outcome.status, version: outcome.version, duplicate }, 'mutation processed');
    return outcome;
  }
  if (outcome.status === 'applied' && !duplicate) {
    // After commit: the cache only moves forward (compare-and-set). A duplicate's snapshot may be older
    // than versions applied since, so it never writes (into an emptied cache it would go backwards).
    // If the write fails, drop the key rather than leave an older version to be served after this reply.
    await deps.cache.writeIfNewer(outcome.snapshot, snapshotJson).catch(async (err) => {
      log.warn({ err }, 'snapshot cache write failed; dropping the cached snapshot');
      await deps.cache.forget(outcome.basketId).catch(() => undefined);
    });
  }
  // Other baskets the mutation changed come freshly read (or just written), so they may go to the cache even for a duplicate.
  for (const other of outcome.status === 'applied' ? alsoChanged : []) {
    await deps.cache.writeIfNewer(other).catch(() => deps.cache.forget(other.id).catch(() => undefined));
  }
  // Counted out of its basket's pending set before the reply, so a client answered can write again at once.
  if (job.counted && deps.pendingPrefix && deps.redis) await releasePending(deps.redis, deps.pendingPrefix, job.basketId, job.mutationId).catch((err) => log.warn({ err }, 'could not count the mutation out of its basket'));
  // The reply and the streams' notices go out together (one round trip). Streams catch up from the log,
  // so a duplicate re-announces its version (the first notice may have been lost in a crash).
  const changed = outcome.status === 'applied' && deps.events ? [{ id: outcome.basketId, version: outcome.version }, ...alsoChanged] : [];
  await Promise.all([
    job.replyTo ? publishReply(deps.publisher, job.replyTo, outcome, snapshotJson).catch((err) => log.warn({ err }, 'reply publish failed')) : undefined,
    ...changed.map((c) => deps.events!.publish(c.id, c.version).catch((err) => log.warn({ err }, 'basket event publish failed'))),
  ]);
  deps.onApplied?.(job, outcome, performance.now() - started, duplicate);
  log.debug({ status: outcome.status, version: outcome.version, duplicate }, 'mutation processed');
  if (outcome.status === 'failed') throw new MutationFailedError(outcome.error.message);
  return outcome;
}

/**
 * The after-commit work of a freshly applied mutation as one script (SnapshotCache.writeIfNewerThen): the
 * snapshot into the cache if newer, the mutation counted out of its basket, the reply, the basket's stream
 * notice — in that order, so the guarantees of the step-by-step path hold (the cache has the version
 * before anyone is told of it; a client answered finds its basket counted out). False when the script
 * failed: the caller then does the work step by step (each step is idempotent), which also drops the
 * cached snapshot if the cache write keeps failing.
 */
async function afterCommitInOneTrip(
  deps: ProcessDeps,
  oneTrip: { readonly eventPrefix: string },
  job: MutationJob,
  outcome: Extract<MutationOutcome, { status: 'applied' }>,
  snapshotJson: string | undefined,
  log: Logger,
): Promise<boolean> {
  const body = snapshotJson ?? JSON.stringify(outcome.snapshot);
  const release = job.counted && deps.pendingPrefix && deps.redis ? [[pendingKey(deps.pendingPrefix, job.basketId), job.mutationId] as const] : [];
  const publish: (readonly [string, string])[] = [];
  if (job.replyTo) publish.push([job.replyTo, replyText(outcome, body)]);
  if (deps.events) publish.push([basketEventChannel(oneTrip.eventPrefix, outcome.basketId), String(outcome.version)]);
  try {
    await deps.cache.writeIfNewerThen(outcome.snapshot, body, { release, publish });
    return true;
  } catch (err) {
    log.warn({ err }, 'after-commit script failed; doing its steps one by one');
    return false;
  }
}

/**
 * Records the mutation as failed unless a record already exists — the write may have committed before
 * the connection broke — and answers with whatever the record then says.
 */
async function recordFailure(deps: ProcessDeps, job: MutationJob, err: unknown, log: Logger): Promise<MutationOutcome> {
  const message = isTransientError(err) ? 'The service could not reach its database; the change was not applied.' : 'Internal error; the change was not applied.';
  const failed: MutationOutcome = { status: 'failed', mutationId: job.mutationId, basketId: job.basketId, version: null, error: { code: 'internal_error', message } };
  const recorded = await recordFailedMutation(deps.db, {
    id: job.mutationId,
    basketId: job.basketId,
    ownerId: job.ownerId,
    idempotencyKey: job.idempotencyKey,
    requestHash: job.requestHash,
    kind: job.command.kind,
    payload: job.command,
    enqueuedAt: new Date(job.enqueuedAt),
    message,
  }).catch((e) => {
    log.error({ err: e }, 'could not record failed mutation');
    return null;
  });
  if (recorded && recorded.status !== 'failed') log.warn({ status: recorded.status }, 'the mutation had been recorded before the failure; answering with the record');
  const snapshot = storedSnapshot(deps.db, job.basketId);
  const outcome = recorded ? await outcomeOfRecord(recorded, job, () => snapshot().catch(() => null)) : null;
  return outcome ?? failed;
}
