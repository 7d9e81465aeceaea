/**
 * Driving one basket from many clients at once (a hot basket), and the invariants that must hold after:
 * every write applied exactly once, versions contiguous, and each client's writes applied in the order
 * that client sent them (concurrent clients' writes interleave in any order; one client's never reorder).
 */
import { expect } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/persistence/database.js';
import type { Shopper } from './harness.js';

/** One add as its client saw it: when it was sent, and when its first answer (200 or 202) came back. */
export interface SentAdd {
  readonly client: string;
  readonly seq: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

/**
 * `clients` concurrent clients, each sending `perClient` one-unit adds of `sku` to `basket` one after the
 * other (each add carries `c_client` and `c_seq`). Synchronous unless `headers` say otherwise; with
 * `repeatEach`, each add carries an Idempotency-Key and is sent a second time at once (the repeat must be
 * the same mutation). An add refused with 429 (nothing queued) is sent again until accepted.
 */
export async function hammerOneBasket(
  shopper: Shopper,
  basket: string,
  sku: string,
  opts: { clients: number; perClient: number; tag: string; headers?: Record<string, string>; repeatEach?: boolean },
): Promise<SentAdd[]> {
  const sent: SentAdd[] = [];
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, c) => {
      const client = `${opts.tag}-${c}`;
      for (let seq = 0; seq < opts.perClient; seq++) {
        const key: Record<string, string> = opts.repeatEach ? { 'idempotency-key': `${client}-${seq}` } : {};
        const item = [{ product_id: sku, quantity: 1, c_client: client, c_seq: seq } as never];
        let sentAt = performance.now();
        let r = await shopper.addItems(basket, item, { ...opts.headers, ...key });
        // 429 (busy: nothing queued): a client retries after a moment, as Retry-After asks.
        while (r.statusCode === 429) {
          await new Promise((res) => setTimeout(res, 50));
          sentAt = performance.now();
          r = await shopper.addItems(basket, item, { ...opts.headers, ...key });
        }
        sent.push({ client, seq, sentAt, answeredAt: performance.now(), status: r.statusCode });
        if (opts.repeatEach) {
          const again = await shopper.addItems(basket, item, { ...opts.headers, ...key });
          if (again.statusCode === 202) expect(again.headers.location).toBe(r.headers.location);
          else expect(again.statusCode, again.body).toBe(200);
        }
      }
    }),
  );
  return sent;
}

/**
 * The basket got exactly `total` one-unit adds of `sku`, all applied once (line quantity, version, log),
 * versions contiguous from 2, every client's adds applied in its own order, and, across clients, every
 * add accepted (answered) before another was sent applied before it.
 */
export async function expectHotBasketInvariants(db: Db, basket: string, total: number, sent: readonly SentAdd[] = []): Promise<void> {
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
  const versionOf = new Map(rows.map((r) => [`${r.client}/${r.seq}`, r.version]));
  const reordered: string[] = [];
  for (const a of sent) {
    for (const b of sent) {
      if (a.answeredAt < b.sentAt && versionOf.get(`${a.client}/${a.seq}`)! > versionOf.get(`${b.client}/${b.seq}`)!)
        reordered.push(`${a.client}/${a.seq} after ${b.client}/${b.seq}`);
    }
  }
  expect(reordered).toEqual([]);
}
