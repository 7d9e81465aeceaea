/**
 * Retention deletes, one small batch per statement so no statement holds many rows' locks for long
 * (shoppers' writes never wait behind a sweep). Each returns how many rows it deleted.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Mutation-log rows finished before `before` (idempotent replays older than that start afresh), except the
 * record that holds a stored basket's current document (its applied record at the basket's version: the
 * document is stored only there, see `loadSnapshot`); that one goes once the basket has changed again or
 * is gone.
 */
export async function deleteOldMutations(db: Db, before: Date, batch: number): Promise<number> {
  const r = await sql`
    delete from mutations where id in (
      select m.id from mutations m
      where m.finished_at < ${before}
        and not (m.status = 'applied' and exists (select 1 from baskets b where b.id = m.basket_id and b.version = m.version))
      order by m.finished_at limit ${batch}
    )`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Baskets deleted before `deletedBefore`, and active baskets untouched since `abandonedBefore`, with
 * their lines. A basket still holding units (a reservation row) is left for the expiry sweep to
 * release first, so `stocks.reserved` always matches the holdings. Rows locked by a running mutation
 * are skipped (SKIP LOCKED) and taken on a later sweep.
 */
export async function deleteOldBaskets(db: Db, deletedBefore: Date, abandonedBefore: Date, batch: number): Promise<number> {
  const r = await sql`
    delete from baskets where id in (
      select b.id from baskets b
      -- active_on (the day of the last change, indexed) narrows; updated_at decides.
      where ((b.status = 'deleted' and b.active_on <= ${deletedBefore}::date and b.updated_at < ${deletedBefore})
          or (b.status = 'active' and b.active_on <= ${abandonedBefore}::date and b.updated_at < ${abandonedBefore}))
        and not exists (select 1 from reservations r where r.basket_id = b.id)
      limit ${batch}
      for update skip locked
    )`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
