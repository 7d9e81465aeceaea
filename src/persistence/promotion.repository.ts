/** Promotions as the admin feed defines them (`PUT /admin/promotions/{code}`). Baskets read them with their state. */
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface PromotionInput {
  kind: 'campaign' | 'coupon';
  name: string;
  site: string | null;
  enabled: boolean;
  starts_at: Date | null;
  ends_at: Date | null;
  discount: { type: 'percentage' | 'amount' | 'free_shipping'; value?: string | undefined };
  skus: string[] | null;
  min_amount: string | null;
  priority: number;
  exclusive: boolean;
  redemption_limit: number | null;
  /** Absent: 0 for a new promotion, unchanged for an existing one. */
  redeemed?: number | undefined;
}

/**
 * Creates or replaces a promotion; null when it names a site that does not exist. Codes are
 * case-insensitive: a PUT of `welcome10` replaces WELCOME10 (and keeps its spelling).
 */
export async function upsertPromotion(db: Db, given: string, p: PromotionInput) {
  if (p.site !== null && !(await db.selectFrom('sites').select('id').where('id', '=', p.site).executeTakeFirst())) return null;
  const code = (await findPromotion(db, given))?.code ?? given;
  const values = {
    kind: p.kind,
    name: p.name,
    site_id: p.site,
    enabled: p.enabled,
    starts_at: p.starts_at,
    ends_at: p.ends_at,
    discount_type: p.discount.type,
    discount_value: p.discount.value ?? '0',
    skus: p.skus,
    min_amount: p.min_amount,
    priority: p.priority,
    exclusive: p.exclusive,
    redemption_limit: p.redemption_limit,
  };
  const redeemed = p.redeemed !== undefined ? { redeemed: p.redeemed } : {};
  return db
    .insertInto('promotions')
    .values({ code, ...values, redeemed: p.redeemed ?? 0 })
    .onConflict((oc) => oc.column('code').doUpdateSet({ ...values, ...redeemed, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Counts `count` more redemptions of a promotion (the order system reports each order that used it),
 * atomically, so concurrent reports all count. Null when there is no such promotion.
 */
export async function addRedemptions(db: Db, code: string, count: number) {
  return db
    .updateTable('promotions')
    // Saturates rather than overflowing the column (past any limit it makes no difference).
    .set(() => ({ redeemed: sql<number>`least(redeemed::bigint + ${count}, 2147483647)::int`, updated_at: new Date() }))
    .where(sql<string>`upper(code)`, '=', code.toUpperCase())
    .returningAll()
    .executeTakeFirst();
}

/** The promotion with this code in any case (index `promotions_code_upper`). */
export async function findPromotion(db: Db, code: string) {
  return db.selectFrom('promotions').selectAll().where(sql<string>`upper(code)`, '=', code.toUpperCase()).executeTakeFirst();
}
