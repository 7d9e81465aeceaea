/**
 * Every hot-path statement prepares against the migrated schema (so a renamed column or a typo fails
 * here, not on a shopper's write), takes exactly the inputs its text names, and is named by its text.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../support/test-database.js';
import { defineStatement, runStatement } from '../../src/persistence/statement.js';
import { readMutationState } from '../../src/persistence/statements/read-mutation-state.js';
import { recordRejection } from '../../src/persistence/statements/record-rejection.js';
import { insertNewBasket } from '../../src/persistence/statements/insert-new-basket.js';
import { writeBasketInsert } from '../../src/persistence/statements/write-basket-insert.js';
import { writeBasketUpdate } from '../../src/persistence/statements/write-basket-update.js';
import { recheckWatchedStock } from '../../src/persistence/statements/recheck-watched-stock.js';

const STATEMENTS = [readMutationState, recordRejection, writeBasketInsert, writeBasketUpdate, insertNewBasket, recheckWatchedStock];

describe('hot-path statements', () => {
  it.each(STATEMENTS.map((s) => [s.name, s] as const))('%s prepares against the schema with one parameter per named input', async (_name, stmt) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(`prepare probe as ${stmt.text}`);
      const { rows } = await client.query<{ n: number }>(`select cardinality(parameter_types) as n from pg_prepared_statements where name = 'probe'`);
      expect(rows[0]!.n).toBe(stmt.inputs.length);
      expect(new Set(stmt.inputs).size).toBe(stmt.inputs.length);
    } finally {
      await client.end();
    }
  });

  it('names derive from the text, so a changed statement gets a new name', () => {
    const a = defineStatement<{ x: number }, { y: number }>('probe', (p) => `select ${p.x}::int as y`);
    const b = defineStatement<{ x: number }, { y: number }>('probe', (p) => `select ${p.x}::int + 0 as y`);
    expect(a.name).toMatch(/^probe_[0-9a-f]{12}$/);
    expect(a.name).not.toBe(b.name);
    expect(defineStatement<{ x: number }, { y: number }>('probe', (p) => `select ${p.x}::int as y`).name).toBe(a.name);
    expect(new Set(STATEMENTS.map((s) => s.name)).size).toBe(STATEMENTS.length);
  });

  it('maps a named record to positions, and refuses an input the text does not use', async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      const stmt = defineStatement<{ b: string; a: number }, { a: number; b: string }>('probe_order', (p) => `select ${p.a}::int as a, ${p.b}::text as b`);
      expect(stmt.inputs).toEqual(['a', 'b']);
      expect(await runStatement(client, stmt, { b: 'x', a: 7 })).toEqual([{ a: 7, b: 'x' }]);
      await expect(runStatement(client, stmt, { b: 'x', a: 7, c: 1 } as never)).rejects.toThrow(/c is not used/);
    } finally {
      await client.end();
    }
  });
});
