/** An owner's baskets on a site (index `baskets_owner_site_status`). */
import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The owner's newest active basket on the site (or null) and how many baskets it has there in any
 * status — one statement, one snapshot, so the count names the next basket consistently.
 */
export async function activeBasketOf(db: Db, ownerId: string, siteId: string): Promise<{ activeId: string | null; count: number }> {
  const row = await db
    .selectFrom('baskets')
    .select((eb) => [
      eb.fn.countAll<string | number>().as('n'),
      sql<string | null>`(array_agg(id order by created_at desc, pk desc) filter (where status = 'active'))[1]`.as('active_id'),
    ])
    .where('owner_id', '=', ownerId)
    .where('site_id', '=', siteId)
    .executeTakeFirstOrThrow();
  return { activeId: row.active_id ?? null, count: Number(row.n) };
}

/**
 * How many active baskets the owner holds (any site), and whether `basketId` is already one of its
 * baskets (a replayed creation, which the cap must not refuse). Index `baskets_owner_site_status`.
 */
export async function activeBasketCount(db: Db, ownerId: string, basketId: string): Promise<{ active: number; exists: boolean }> {
  const row = await db
    .selectFrom('baskets')
    .select([
      sql<number>`count(*) filter (where status = 'active')::int`.as('active'),
      sql<boolean>`coalesce(bool_or(id = ${basketId}::uuid), false)`.as('exists'),
    ])
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow();
  return { active: row.active, exists: row.exists };
}

/** The owner's active baskets on the site, newest first (at most `limit`), and how many there are. */
export async function activeBasketsOf(db: Db, ownerId: string, siteId: string, limit: number): Promise<{ ids: string[]; total: number }> {
  const rows = await db
    .selectFrom('baskets')
    .select((eb) => ['id', eb.fn.countAll<string | number>().over().as('total')])
    .where('owner_id', '=', ownerId)
    .where('site_id', '=', siteId)
    .where('status', '=', 'active')
    .orderBy('created_at', 'desc')
    .orderBy('pk', 'desc')
    .limit(limit)
    .execute();
  return { ids: rows.map((r) => r.id), total: rows.length === 0 ? 0 : Number(rows[0]!.total) };
}
