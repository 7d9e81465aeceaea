/**
 * Reading a basket's mutation log: the applied versions a stream missed (with the document each one
 * made), and the log itself, newest first, for admins and agents.
 */
import { sql } from 'kysely';
import type { Db, MutationStatus } from './database.js';

/**
 * Applied versions of the basket in (`after`, `upTo`], oldest first, at most `limit`, each with the
 * document it made (null for records written before the log kept documents).
 */
export async function appliedVersions(
  db: Db,
  basketId: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<{ version: number; result: unknown | null }[]> {
  const { rows } = await sql<{ version: number; result: unknown | null }>`
    select version, result from mutations
    where basket_id = ${basketId} and status = 'applied' and version > ${after} and version <= ${upTo}
    order by version limit ${limit}`.execute(db);
  return rows;
}

export interface MutationLogEntry {
  readonly id: string;
  readonly kind: string;
  readonly status: MutationStatus;
  readonly version: number | null;
  readonly actor: string;
  readonly enqueuedAt: Date;
  readonly appliedAt: Date;
  readonly error: { code: string; message: string } | null;
}

/** A position in the log, newest first: the (finished_at, id) of the last entry of the previous page (the time as text, to the microsecond). */
export interface LogCursor {
  readonly finishedAt: string;
  readonly id: string;
}

/** One page of the basket's mutation log, newest first (`limit + 1` read to know whether more follow). */
export async function mutationLog(
  db: Db,
  basketId: string,
  cursor: LogCursor | null,
  limit: number,
): Promise<{ entries: MutationLogEntry[]; next: LogCursor | null }> {
  const { rows } = await sql<{
    id: string;
    kind: string;
    status: MutationStatus;
    version: number | null;
    owner_id: string;
    enqueued_at: Date;
    finished_at: Date;
    at: string;
    error: { code: string; message: string } | null;
  }>`
    select id, kind, status, version, owner_id, enqueued_at, finished_at, error,
           to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
    from mutations
    where basket_id = ${basketId}
      ${cursor ? sql`and (finished_at, id) < (${cursor.finishedAt}::timestamptz, ${cursor.id}::uuid)` : sql``}
    order by finished_at desc, id desc
    limit ${limit + 1}`.execute(db);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      version: r.version,
      actor: r.owner_id,
      enqueuedAt: r.enqueued_at,
      appliedAt: r.finished_at,
      error: r.error,
    })),
    next: rows.length > limit && last ? { finishedAt: last.at, id: last.id } : null,
  };
}
