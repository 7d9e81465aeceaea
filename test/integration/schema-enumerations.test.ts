/**
 * The migrated schema's CHECK constraints list exactly the values of the domain's enumerations, so a
 * value added on one side only (a new promotion type, say) fails here rather than at a shopper's write.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../support/test-database.js';
import {
  BASKET_STATUSES,
  MUTATION_STATUSES,
  PROMOTION_DISCOUNT_TYPES,
  PROMOTION_KINDS,
  ROUNDING_MODES,
  TAXATIONS,
} from '../../src/domain/enumerations.js';

const HELD: [table: string, column: string, values: readonly string[]][] = [
  ['sites', 'taxation', TAXATIONS],
  ['sites', 'rounding_mode', ROUNDING_MODES],
  ['baskets', 'status', BASKET_STATUSES],
  ['mutations', 'status', MUTATION_STATUSES],
  ['promotions', 'kind', PROMOTION_KINDS],
  ['promotions', 'discount_type', PROMOTION_DISCOUNT_TYPES],
];

describe('the schema and the domain enumerations', () => {
  it.each(HELD)('%s.%s allows exactly the enumeration', async (table, column, values) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ def: string }>(
        `select pg_get_constraintdef(c.oid) as def
           from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
          where c.contype = 'c' and c.conrelid = $1::regclass and a.attname = $2`,
        [table, column],
      );
      expect(rows).toHaveLength(1);
      // PostgreSQL writes `col in ('a', 'b')` as `(col = ANY (ARRAY['a'::text, 'b'::text]))`.
      const allowed = [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]);
      expect(allowed.sort()).toEqual([...values].sort());
    } finally {
      await client.end();
    }
  });
});
