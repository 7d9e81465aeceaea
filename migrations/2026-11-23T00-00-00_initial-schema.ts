/**
 * Initial schema: sites, catalogue (products, price lists, stock lists), baskets, basket lines and the
 * mutation log. Frozen in time: never edit a migration that has shipped; add a new one.
 * Money columns are `numeric` (exact); quantities are integers.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_lists')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('stock_lists')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('price_list', 'text', (c) => c.notNull())
    .addColumn('stock_list', 'text', (c) => c.notNull())
    .addColumn('taxation', 'text', (c) => c.notNull().defaultTo('gross').check(sql`taxation in ('gross', 'net')`))
    .addColumn('tax_rounded_at_group', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('rounding_mode', 'text', (c) =>
      c.notNull().defaultTo('half_up').check(sql`rounding_mode in ('half_up', 'half_even')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('sku', 'text', (c) => c.primaryKey())
    .addColumn('pk', 'bigint', (c) => c.notNull().unique().generatedByDefaultAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tax_rate', 'numeric', (c) => c.notNull().check(sql`tax_rate >= 0 and tax_rate < 10`))
    .addColumn('online', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('image', 'text')
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('prices')
    .addColumn('price_list', 'text', (c) => c.notNull().references('price_lists.code').onDelete('cascade'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('price', 'numeric', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('retail_price', 'numeric', (c) => c.check(sql`retail_price >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('prices_pk', ['price_list', 'sku'])
    .execute();

  await db.schema
    .createTable('stocks')
    .addColumn('stock_list', 'text', (c) => c.notNull().references('stock_lists.code').onDelete('cascade'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('on_hand', 'integer', (c) => c.notNull().check(sql`on_hand >= 0`))
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stocks_pk', ['stock_list', 'sku'])
    .execute();

  await db.schema
    .createTable('baskets')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('pk', 'bigint', (c) => c.notNull().unique().generatedByDefaultAsIdentity())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'deleted')`))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('agent_basket', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('custom', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('product_sub_total', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('product_total', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('tax_total', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('order_total', 'numeric', (c) => c.notNull().defaultTo(0))
    // The versioned document the worker computed with this version (JSON text: only ever read whole):
    // the read path's fallback and refill source, so a refill reproduces exactly what the worker published.
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('baskets_owner_site_status').on('baskets').columns(['owner_id', 'site_id', 'status']).execute();

  await db.schema
    .createTable('basket_lines')
    .addColumn('basket_id', 'uuid', (c) => c.notNull().references('baskets.id').onDelete('cascade'))
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('added_unit_price', 'numeric')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('custom', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('basket_lines_pk', ['basket_id', 'item_id'])
    .execute();
  await db.schema.createIndex('basket_lines_sku').on('basket_lines').column('sku').execute();

  // The mutation log: one row per mutation a worker finished (applied, rejected, or failed for good).
  // Its primary key is what makes a redelivered job a no-op (exactly-once, README "Invariants" 1).
  await db.schema
    .createTable('mutations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('basket_id', 'uuid', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('applied', 'rejected', 'failed')`))
    .addColumn('error', 'jsonb')
    .addColumn('version', 'integer')
    .addColumn('result', 'jsonb')
    .addColumn('enqueued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('mutations_basket').on('mutations').columns(['basket_id', 'finished_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['mutations', 'basket_lines', 'baskets', 'stocks', 'prices', 'products', 'sites', 'stock_lists', 'price_lists']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
