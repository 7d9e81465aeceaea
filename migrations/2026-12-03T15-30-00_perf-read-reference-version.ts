/**
 * perf-read: a single-row counter, `reference_version`, that every change to the reference data the
 * mutation read builds its aggregates from bumps (sites, products, prices, shipping_methods,
 * payment_methods, promotions), by statement-level triggers in the changing transaction itself. A worker
 * caches that data with the version it was read at; the read statement hands it back only when the
 * version differs, so an admin change (admin feed, seed, a direct SQL write) is seen by the very next
 * mutation. The bump is a row update, not a sequence: it commits (or rolls back) with the change, and
 * concurrent changers queue on the row lock, so commit order is version order and a snapshot that sees
 * version V sees exactly the changes up to V. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

const TABLES = ['sites', 'products', 'prices', 'shipping_methods', 'payment_methods', 'promotions'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists reference_version (
              only_row boolean primary key default true check (only_row),
              version bigint not null)`.execute(db);
  await sql`insert into reference_version (only_row, version) values (true, 1) on conflict do nothing`.execute(db);
  await sql`create or replace function bump_reference_version() returns trigger language plpgsql as $$
            begin
              update reference_version set version = version + 1 where only_row;
              return null;
            end $$`.execute(db);
  for (const table of TABLES) {
    await sql`create or replace trigger ${sql.raw(`${table}_bump_reference_version`)}
                after insert or update or delete or truncate on ${sql.table(table)}
                for each statement execute function bump_reference_version()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) await sql`drop trigger if exists ${sql.raw(`${table}_bump_reference_version`)} on ${sql.table(table)}`.execute(db);
  await sql`drop function if exists bump_reference_version()`.execute(db);
  await sql`drop table if exists reference_version`.execute(db);
}
