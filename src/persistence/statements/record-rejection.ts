/**
 * record-rejection — the mutation log's record of a refused mutation.
 *
 * Inputs:  mutationId, basketId, ownerId (who asked), idempotencyKey, requestHash, kind, payload (JSON
 *          text), error (JSON text `{code, message}`), version (the basket's, or null), enqueuedAt, finishedAt.
 * Output:  no rows.
 * Locks:   the new `mutations` row. A second record of the same mutation id fails on the primary key:
 *          the last guard of exactly-once.
 */
import { defineStatement } from '../statement.js';

export interface RecordRejectionInput {
  readonly mutationId: string;
  readonly basketId: string;
  readonly ownerId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly kind: string;
  readonly payload: string;
  readonly error: string;
  readonly version: number | null;
  readonly enqueuedAt: Date;
  readonly finishedAt: Date;
}

export const recordRejection = defineStatement<RecordRejectionInput, Record<string, never>>(
  'record_rejection',
  (p) => `insert into mutations (id, basket_id, owner_id, idempotency_key, request_hash, kind, payload, status, error, version, result, enqueued_at, finished_at)
   values (${p.mutationId}, ${p.basketId}, ${p.ownerId}, ${p.idempotencyKey}, ${p.requestHash}, ${p.kind}, ${p.payload}::jsonb, 'rejected', ${p.error}::jsonb,
           ${p.version}, null, ${p.enqueuedAt}, ${p.finishedAt})`,
);
