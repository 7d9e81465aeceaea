/**
 * Shipping methods per site (price as the site's taxation has it, tax rate, optional free-over
 * threshold on the product total) and the method chosen for a basket's default shipment. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shipping_methods')
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('price', 'numeric', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('tax_rate', 'numeric', (c) => c.notNull().check(sql`tax_rate >= 0 and tax_rate < 10`))
    .addColumn('free_over', 'numeric', (c) => c.check(sql`free_over >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('shipping_methods_pk', ['site_id', 'id'])
    .execute();
  await db.schema.alterTable('baskets').addColumn('shipping_method_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').dropColumn('shipping_method_id').execute();
  await db.schema.dropTable('shipping_methods').ifExists().execute();
}
