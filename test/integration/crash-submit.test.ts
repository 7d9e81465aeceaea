/**
 * An idempotent write whose accepting API died between its ticket and its job: the retry enqueues it
 * again under the same id (applied exactly once), and the status read says `lost`, never `queued`
 * forever. Then the real thing: kill -9 of an API process under load, every key retried, every key
 * applied exactly once.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createBaskets, eventually, OCAPI, Shopper } from '../support/harness.js';
import { freePort } from '../support/own-services.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { idempotentMutationId } from '../../src/application/ids.js';
import { createMutationWorkers } from '../../src/bootstrap/worker-process.js';

// With backpressure on: a retry of a lost mutation counts in its basket like a fresh one.
const f = useProcessFixture({ suffix: 'crash', price: '1.25' }, { MAX_QUEUED_PER_BASKET: '20', MAX_ACTIVE_BASKETS: '50' });

describe('a ticket left without its job (the accepting process died in between)', () => {
  it('is reported lost, and a retry with the same key applies it exactly once', async () => {
    const shopper = new Shopper(f.h, 'crash-single');
    // The fixture's API has no workers: create the basket through an in-process worker set, then stop it.
    const workers = createMutationWorkers(f.h.config, f.h.res, pino({ level: 'silent' }));
    try {
      const [id] = await createBaskets(shopper, 1) as [string];
      await workers.close();
      const key = 'crash-key-1';
      const body = [{ product_id: f.sku, quantity: 2 }];
      const first = await shopper.addItems(id, body, { 'idempotency-key': key, prefer: 'respond-async' });
      expect(first.statusCode).toBe(202);
      const mutationId = idempotentMutationId('crash-single', key);
      // What a crash between ticket and job leaves: the ticket alone (and old enough to be past its grace).
      const lane = f.h.api.lanes.queue(f.h.api.lanes.laneFor(id));
      await lane.remove(mutationId);
      const ticketKey = f.h.api.submitter.ticketKey(mutationId);
      const ticket = JSON.parse((await f.h.res.redis.get(ticketKey))!);
      await f.h.res.redis.set(ticketKey, JSON.stringify({ ...ticket, acceptedAt: Date.now() - 60_000 }), 'KEEPTTL');

      const status = await shopper.request('GET', `/mutations/${mutationId}`);
      expect(status.statusCode).toBe(200);
      expect(status.json()).toMatchObject({ id: mutationId, status: 'lost', error: { code: 'mutation_lost' } });

      const again = createMutationWorkers(f.h.config, f.h.res, pino({ level: 'silent' }));
      try {
        const retry = await shopper.addItems(id, body, { 'idempotency-key': key });
        expect(retry.statusCode).toBe(200);
        expect(retry.json().product_items[0].quantity).toBe(2);
        const repeat = await shopper.addItems(id, body, { 'idempotency-key': key });
        expect(repeat.statusCode).toBe(200);
        expect(repeat.json().product_items[0].quantity).toBe(2);
        expect((await shopper.request('GET', `/mutations/${mutationId}`)).json().status).toBe('applied');
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from mutations where id = ${mutationId}`.execute(f.h.res.db);
        expect(rows[0]!.n).toBe(1);
      } finally {
        await again.close();
      }
    } finally {
      await workers.close().catch(() => undefined);
    }
  });
});

describe('kill -9 of an API process while idempotent writes are in flight', () => {
  it('every key, retried, ends applied exactly once', async () => {
    const worker = f.spawn('workers/mutation.worker.ts');
    const ports = [await freePort(), await freePort()];
    const first = f.spawn('workers/api.ts', { PORT: String(ports[0]) });
    await Promise.all([worker.waitFor(/mutation workers started/), first.waitFor(/Server listening/)]);

    const owner = 'crash-load';
    const headers = { authorization: `Bearer ${f.h.tokens.sign(owner)}`, 'content-type': 'application/json' };
    const call = (port: number, method: string, path: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${port}${OCAPI}${path}`, { method, headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    const baskets: string[] = [];
    for (let i = 0; i < 20; i++) baskets.push(((await (await call(ports[0]!, 'POST', '/baskets', {})).json()) as { basket_id: string }).basket_id);

    const perBasket = 15;
    const keys = baskets.flatMap((b, i) => Array.from({ length: perBasket }, (_, n) => ({ basket: b, key: `load-${i}-${n}` })));
    const body = (k: { key: string }) => [{ product_id: f.sku, quantity: 1, c_key: k.key }];
    // Fire every write at once (each basket's in parallel too); kill -9 the API while they are in flight.
    let answered = 0;
    const inFlight = keys.map((k) =>
      call(ports[0]!, 'POST', `/baskets/${k.basket}/items`, body(k), { 'idempotency-key': k.key })
        .then(() => void answered++)
        .catch(() => undefined),
    );
    await eventually(async () => (answered >= 20 ? true : undefined), 30_000, 2);
    first.kill('SIGKILL');
    await first.exited;
    await Promise.all(inFlight);
    expect(answered).toBeLessThan(keys.length);

    // Keys the crash left with a ticket but neither job nor record (the case a retry must enqueue again).
    let ticketOnly = 0;
    for (const k of keys) {
      const id = idempotentMutationId(owner, k.key);
      const ticket = await f.h.res.redis.get(f.h.api.submitter.ticketKey(id));
      const recorded = (await sql<{ n: number }>`select count(*)::int as n from mutations where id = ${id}`.execute(f.h.res.db)).rows[0]!.n;
      if (ticket && recorded === 0 && !(await f.h.api.submitter.jobExists(id, k.basket))) ticketOnly++;
    }

    const second = f.spawn('workers/api.ts', { PORT: String(ports[1]) });
    await second.waitFor(/Server listening/);
    const statuses = await Promise.all(
      keys.map(async (k) => {
        for (let attempt = 0; ; attempt++) {
          const r = await call(ports[1]!, 'POST', `/baskets/${k.basket}/items`, body(k), { 'idempotency-key': k.key });
          await r.arrayBuffer();
          // A well-behaved client: polls while pending, waits out a 429's Retry-After.
          if ((r.status !== 202 && r.status !== 429) || attempt >= 40) return r.status;
          await new Promise((res) => setTimeout(res, 500));
        }
      }),
    );
    expect(statuses.filter((s) => s !== 200).slice(0, 5)).toEqual([]);
    // No stale entry is left counting against a basket (each retried mutation was counted out).
    for (const b of baskets) expect(await f.h.res.redis.zcard(`${f.env.REDIS_PREFIX}:pending:${b}`)).toBe(0);

    const ids = keys.map((k) => idempotentMutationId(owner, k.key));
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from mutations where id = any(${ids}::uuid[]) and status = 'applied'`.execute(f.h.res.db);
    const lines = await f.h.res.db.selectFrom('basket_lines').select(['basket_id', 'quantity']).where('basket_id', 'in', baskets).execute();
    // Figures for the report: keys the crash left ticket-only, applied in the end, lost.
    console.warn(`crash test: ${keys.length} keys, ${answered} answered before kill -9, ${ticketOnly} ticket-only, ${rows[0]!.n} applied exactly once, ${keys.length - rows[0]!.n} lost`);
    expect(rows[0]!.n).toBe(keys.length);
    expect(lines.map((l) => l.quantity)).toEqual(Array(baskets.length).fill(perBasket));
    for (const p of [second, worker]) await stopService(p, 'SIGTERM');
  });
});
