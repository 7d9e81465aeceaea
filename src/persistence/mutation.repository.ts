/** The mutation log: what happened to each accepted mutation, for exactly-once and for `GET /mutations/{id}`. */
import type { Kysely } from 'kysely';
import type { Database, MutationRow } from './database.js';

export async function findMutation(db: Kysely<Database>, id: string): Promise<MutationRow | null> {
  return (await db.selectFrom('mutations').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * Records a mutation that failed for good (transient errors exhausted its retries). Never overwrites
 * an applied or rejected record: if a record exists, the mutation did finish and that record wins.
 * Returns the record as it stands afterwards.
 */
export async function recordFailedMutation(
  db: Kysely<Database>,
  m: {
    id: string;
    basketId: string;
    ownerId: string;
    idempotencyKey: string | null;
    requestHash: string | null;
    kind: string;
    payload: unknown;
    enqueuedAt: Date;
    message: string;
  },
): Promise<MutationRow | null> {
  await db
    .insertInto('mutations')
    .values({
      id: m.id,
      basket_id: m.basketId,
      owner_id: m.ownerId,
      idempotency_key: m.idempotencyKey,
      request_hash: m.requestHash,
      kind: m.kind,
      payload: JSON.stringify(m.payload),
      status: 'failed',
      error: JSON.stringify({ code: 'internal_error', message: m.message }),
      version: null,
      result: null,
      enqueued_at: m.enqueuedAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return findMutation(db, m.id);
}
