/**
 * The settings every pooled connection runs with (openDatabase): generic plans always, no JIT. Either
 * one lost would cost backend CPU on every mutation without failing anything else.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../src/persistence/database.js';
import { testDatabaseUrl } from '../support/test-database.js';

const handle = openDatabase(testDatabaseUrl(), 2);
afterAll(() => handle.db.destroy());

describe('pooled connections', () => {
  it('plan generically and never JIT-compile, through Kysely and on the raw pool alike', async () => {
    const viaKysely = await sql<{ plan: string; jit: string }>`select current_setting('plan_cache_mode') as plan, current_setting('jit') as jit`.execute(handle.db);
    expect(viaKysely.rows[0]).toEqual({ plan: 'force_generic_plan', jit: 'off' });
    const raw = await handle.pool.query<{ plan: string; jit: string }>(`select current_setting('plan_cache_mode') as plan, current_setting('jit') as jit`);
    expect(raw.rows[0]).toEqual({ plan: 'force_generic_plan', jit: 'off' });
  });
});
