/**
 * The outcome a stored mutation record stands for, in one place for every reader of the mutation log:
 * a repeat of an idempotent request (submit-mutation.ts), a redelivered job that finds its record
 * (apply-mutation.ts), and a failure after which the record turned out to exist — the write committed
 * before the connection broke (process-mutation.ts).
 *
 * An applied record carries its result (the snapshot it made; records of older releases kept it only for
 * a mutation with an Idempotency-Key); without one the basket's current snapshot stands in, and its
 * version with it. A rejected or failed record answers with its stored error.
 */
import type { Db } from '../persistence/database.js';
import { loadSnapshot, type RecordedMutation } from '../persistence/basket.repository.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';
import type { MutationOutcome } from '../contracts/mutation-job.js';

/** The error of a record that stored none (never written so; a guard for a damaged row). */
const UNKNOWN_FAILURE = { code: 'internal_error', message: 'unknown failure' } as const;

/**
 * The record's outcome; null when it is applied but there is no snapshot to answer with (no stored
 * result and the basket is gone). `currentSnapshot` is read only when an applied record has no result.
 */
export async function outcomeOfRecord(
  record: RecordedMutation,
  ids: { readonly mutationId: string; readonly basketId: string },
  currentSnapshot: () => Promise<BasketSnapshot | null>,
): Promise<MutationOutcome | null> {
  const { mutationId, basketId } = ids;
  if (record.status !== 'applied') return { status: record.status, mutationId, basketId, version: record.version, error: record.error ?? UNKNOWN_FAILURE };
  const stored = record.result as BasketSnapshot | null;
  const snapshot = stored ?? (await currentSnapshot());
  if (snapshot === null) return null;
  return { status: 'applied', mutationId, basketId, version: stored !== null ? (record.version ?? snapshot.version) : snapshot.version, snapshot };
}

/** The basket's current snapshot as stored in PostgreSQL (what stands in for an applied record without a result). */
export function storedSnapshot(db: Db, basketId: string): () => Promise<BasketSnapshot | null> {
  return async () => (await loadSnapshot(db, basketId)) as BasketSnapshot | null;
}
