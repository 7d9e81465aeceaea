/**
 * Driving one basket from many clients at once (a hot basket), and the invariants that must hold after:
 * every write applied exactly once, versions contiguous, and each client's writes applied in the order
 * that client sent them (concurrent clients' writes interleave in any order; one client's never reorder).
 */
import { expect } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/persistence/database.js';
import type { Shopper } from './harness.js';

/**
 * `clients` concurrent clients, each sending `perClient` one-unit adds of `sku` to `basket` one after the
 * other (each add carries `c_client` and `c_seq`). Synchronous unless `headers` say otherwise; with
 * `repeatEach`, each add carries an Idempotency-Key and is sent a second time at once (the repeat must be
 * the same mutation). Returns the status codes of the first sends.
 */
export async function hammerOneBasket(
  shopper: Shopper,
  basket: string,
  sku: string,
  opts: { clients: number; perClient: number; tag: string; headers?: Record<string, string>; repeatEach?: boolean },
): Promise<number[]> {
  const codes: number[] = [];
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, client) => {
      for (let seq = 0; seq < opts.perClient; seq++) {
        const key: Record<string, string> = opts.repeatEach ? { 'idempotency-key': `${opts.tag}-${client}-${seq}` } : {};
        const item = [{ product_id: sku, quantity: 1, c_client: `${opts.tag}-${client}`, c_seq: seq } as never];
        const r = await shopper.addItems(basket, item, { ...opts.headers, ...key });
        codes.push(r.statusCode);
        if (opts.repeatEach) {
          const again = await shopper.addItems(basket, item, { ...opts.headers, ...key });
          if (again.statusCode === 202) expect(again.headers.location).toBe(r.headers.location);
          else expect(again.statusCode, again.body).toBe(200);
        }
      }
    }),
  );
  return codes;
}

/**
 * The basket got exactly `total` one-unit adds of `sku`, all applied once (line quantity, version, log),
 * versions contiguous from 2, and every client's adds applied in its own order.
 */
export async function expectHotBasketInvariants(db: Db, basket: string, total: number): Promise<void> {
  const row = await db.selectFrom('baskets').select(['version']).where('id', '=', basket).executeTakeFirstOrThrow();
  expect(row.version).toBe(1 + total);
  const line = await db.selectFrom('basket_lines').select('quantity').where('basket_id', '=', basket).executeTakeFirstOrThrow();
  expect(line.quantity).toBe(total);
  const { rows } = await sql<{ version: number; status: string; client: string; seq: number }>`
    select version, status, payload->'items'->0->'custom'->>'c_client' as client, (payload->'items'->0->'custom'->>'c_seq')::int as seq
    from mutations where basket_id = ${basket} and kind = 'add_items' order by version`.execute(db);
  expect(rows).toHaveLength(total);
  expect(rows.every((r) => r.status === 'applied')).toBe(true);
  expect(rows.map((r) => r.version)).toEqual(Array.from({ length: total }, (_, i) => i + 2));
  const byClient = new Map<string, number[]>();
  for (const r of rows) byClient.set(r.client, [...(byClient.get(r.client) ?? []), r.seq]);
  for (const [client, seqs] of byClient) expect(seqs, `client ${client}`).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
}
