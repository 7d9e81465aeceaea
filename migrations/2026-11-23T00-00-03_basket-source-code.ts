/** The basket's OCAPI `source_code` (set with PATCH /baskets/{id}). Frozen in time. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').addColumn('source_code', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('baskets').dropColumn('source_code').execute();
}
