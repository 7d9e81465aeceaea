/**
 * A basket's history for support: its mutation log, newest first, paged by an opaque cursor. Only what
 * a worker finished is in the log (applied, rejected, failed); a mutation still in its lane is not.
 */
import type { Db } from '../persistence/database.js';
import { mutationLog, type LogCursor } from '../persistence/mutation-log.repository.js';
import { sql } from 'kysely';

export const HISTORY_PAGE_MAX = 100;
export const HISTORY_PAGE_DEFAULT = 20;

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export interface HistoryEntry {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly version: number | null;
  /** Who asked: the customer's or agent's id, `system` for the expiry sweep and re-pricings. */
  readonly actor: string;
  readonly enqueued_at: string;
  /** When the worker finished it (applied, or refused for a rejection). */
  readonly applied_at: string;
  readonly rejection_code: string | null;
  readonly message: string | null;
}

export interface HistoryPage {
  readonly basket_id: string;
  readonly site_id: string;
  readonly owner_id: string;
  readonly mutations: readonly HistoryEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly next_cursor: string | null;
}

function encodeCursor(c: LogCursor): string {
  return Buffer.from(`${c.finishedAt}|${c.id}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string): LogCursor {
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(raw);
  if (!m) throw new InvalidCursorError('The cursor is not one this service gave out.');
  return { finishedAt: m[1]!, id: m[2]! };
}

/** Null when there is no such basket (in any status). */
export async function basketHistory(db: Db, basketId: string, opts: { cursor?: string | undefined; limit?: number | undefined }): Promise<HistoryPage | null> {
  const cursor = opts.cursor ? decodeCursor(opts.cursor) : null;
  const limit = Math.min(HISTORY_PAGE_MAX, Math.max(1, opts.limit ?? HISTORY_PAGE_DEFAULT));
  const { rows } = await sql<{ site_id: string; owner_id: string }>`select site_id, owner_id from baskets where id = ${basketId}`.execute(db);
  const basket = rows[0];
  if (!basket) return null;
  const { entries, next } = await mutationLog(db, basketId, cursor, limit);
  return {
    basket_id: basketId,
    site_id: basket.site_id,
    owner_id: basket.owner_id,
    mutations: entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      status: e.status,
      version: e.version,
      actor: e.actor,
      enqueued_at: new Date(e.enqueuedAt).toISOString(),
      applied_at: new Date(e.appliedAt).toISOString(),
      rejection_code: e.error?.code ?? null,
      message: e.error?.message ?? null,
    })),
    next_cursor: next ? encodeCursor(next) : null,
  };
}
