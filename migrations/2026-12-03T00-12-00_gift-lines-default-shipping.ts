/**
 * SCAPI/PWA Kit fields: a product item's gift flag and message (kept per line), and a site's default
 * shipping method (offered as `default_shipping_method_id` in shipping-method lists).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('basket_lines')
    .addColumn('gift', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('gift_message', 'text')
    .execute();
  await db.schema.alterTable('sites').addColumn('default_shipping_method_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sites').dropColumn('default_shipping_method_id').execute();
  await db.schema.alterTable('basket_lines').dropColumn('gift_message').dropColumn('gift').execute();
}
