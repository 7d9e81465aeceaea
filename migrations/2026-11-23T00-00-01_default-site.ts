/**
 * The site `default` (USD, price list `default`, stock list `default`, gross, per-line rounding,
 * half-up) exists from the first start. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`insert into price_lists (code, currency) values ('default', 'USD') on conflict do nothing`.execute(db);
  await sql`insert into stock_lists (code) values ('default') on conflict do nothing`.execute(db);
  await sql`
    insert into sites (id, currency, price_list, stock_list, taxation, tax_rounded_at_group, rounding_mode)
    values ('default', 'USD', 'default', 'default', 'gross', false, 'half_up')
    on conflict do nothing`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from sites where id = 'default'`.execute(db);
}
