/** Manual price adjustments agents put on a basket (product or order level), as one JSON array. Frozen in time. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').addColumn('adjustments', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').dropColumn('adjustments').execute();
}
