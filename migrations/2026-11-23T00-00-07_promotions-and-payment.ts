/**
 * Promotions (automatic campaigns and coupon codes, data-driven through the admin API), the coupon
 * codes and external offer code a basket carries, and each site's payment methods. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('promotions')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('campaign', 'coupon')`))
    // Null: every site.
    .addColumn('site_id', 'text', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('starts_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('discount_type', 'text', (c) => c.notNull().check(sql`discount_type in ('percentage', 'amount', 'free_shipping')`))
    .addColumn('discount_value', 'numeric', (c) => c.notNull().defaultTo(0).check(sql`discount_value >= 0`))
    // Null: the whole order; else the product-level promotion's SKUs.
    .addColumn('skus', sql`text[]`)
    .addColumn('min_amount', 'numeric', (c) => c.check(sql`min_amount >= 0`))
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('exclusive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('redemption_limit', 'integer', (c) => c.check(sql`redemption_limit >= 0`))
    .addColumn('redeemed', 'integer', (c) => c.notNull().defaultTo(0).check(sql`redeemed >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('promotions_site_kind').on('promotions').columns(['kind', 'site_id']).execute();

  await db.schema
    .createTable('payment_methods')
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('card_types', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('payment_methods_pk', ['site_id', 'id'])
    .execute();
  await sql`insert into payment_methods (site_id, id, name, card_types)
            select id, 'CREDIT_CARD', 'Credit Card', '["Visa", "Master Card", "Amex"]'::jsonb from sites where id = 'default'
            on conflict do nothing`.execute(db);

  await db.schema
    .alterTable('baskets')
    .addColumn('coupons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('external_offer_code', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').dropColumn('coupons').dropColumn('external_offer_code').execute();
  await db.schema.dropTable('payment_methods').ifExists().execute();
  await db.schema.dropTable('promotions').ifExists().execute();
}
