/**
 * Promotion codes are case-insensitive ("welcome10" is WELCOME10): at most one promotion per code in
 * any case, and lookups by upper-case code use this index. Frozen in time.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index promotions_code_upper on promotions (upper(code))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists promotions_code_upper`.execute(db);
}
