/**
 * Checkout information of a basket (OCAPI `customer_info` email/number, `billing_address`, the default
 * shipment's `shipping_address`) as one JSON document. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').addColumn('checkout', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').dropColumn('checkout').execute();
}
