/** Checks of the README's invariants over baskets a test drove, read straight from PostgreSQL. */
import { expect } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/persistence/database.js';

export async function countMutations(db: Db, baskets: string[], kind = 'add_items'): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from mutations where kind = ${kind} and basket_id = any(${baskets}::uuid[])`.execute(db);
  return rows[0]!.n;
}

/**
 * Each basket got `perBasket` one-unit adds, accepted in order `c_seq` = 0..perBasket-1: all applied
 * exactly once (quantity, version), versions contiguous, and applied in acceptance order.
 */
export async function expectAppliedInOrder(db: Db, baskets: string[], perBasket: number): Promise<void> {
  for (const id of baskets) {
    const row = await db.selectFrom('baskets').select(['version']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(1 + perBasket);
    const line = await db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', id).executeTakeFirstOrThrow();
    expect(line.quantity).toBe(perBasket);
    const { rows } = await sql<{ version: number; status: string; seq: number }>`
      select version, status, (payload->'items'->0->'custom'->>'c_seq')::int as seq
      from mutations where basket_id = ${id} and kind = 'add_items' order by version`.execute(db);
    expect(rows.map((r) => r.status)).toEqual(Array(perBasket).fill('applied'));
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: perBasket }, (_, i) => i + 2));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: perBasket }, (_, i) => i));
  }
}
