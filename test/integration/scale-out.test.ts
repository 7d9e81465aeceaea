/**
 * Scaling out: two API processes and two worker processes on one Redis and one PostgreSQL keep every
 * invariant of the README ("Invariants"): each write applied once, per-basket order, contiguous versions, exact totals.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freePort } from '../support/own-services.js';
import { stopService } from '../support/processes.js';
import { useProcessFixture } from '../support/process-fixture.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { TokenService } from '../../src/auth/tokens.js';

const f = useProcessFixture({ suffix: 'cap', price: '0.35', tax_rate: '0.07' }, { JWT_SECRET: 'scale-out-secret-0123456789' });

describe('2 API + 2 worker processes', () => {
  it('apply every write once, in order per basket, whichever API took it', async () => {
    const ports = [await freePort(), await freePort()];
    const apis = ports.map((port) => f.spawn('workers/api.ts', { PORT: String(port) }));
    const workers = [f.spawn('workers/mutation.worker.ts'), f.spawn('workers/mutation.worker.ts')];
    await Promise.all([...apis.map((a) => a.waitFor(/Server listening/)), ...workers.map((w) => w.waitFor(/mutation workers started/))]);

    const token = new TokenService('scale-out-secret-0123456789', 600).sign('scale-shopper');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (i: number, method: string, path: string, body?: unknown) => {
      const r = await fetch(`http://127.0.0.1:${ports[i % 2]}/s/default/dw/shop/v23_2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as { basket_id: string; order_total: number } };
    };

    const baskets: string[] = [];
    for (let i = 0; i < 12; i++) baskets.push((await call(i, 'POST', '/baskets', {})).json.basket_id);
    const perBasket = 20;
    const statuses: number[] = [];
    await Promise.all(
      baskets.map(async (id, b) => {
        // Alternate APIs within one basket's sequence: order must hold across API instances.
        for (let seq = 0; seq < perBasket; seq++) statuses.push((await call(b + seq, 'POST', `/baskets/${id}/items`, [{ product_id: f.sku, quantity: 1, c_seq: seq }])).status);
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await countMutations(f.h.res.db, baskets)).toBe(baskets.length * perBasket);
    await expectAppliedInOrder(f.h.res.db, baskets, perBasket);

    // Totals: 20 × 0.35 = 7.00; gross tax 7.00 × 0.07 / 1.07 = 0.4579… → 0.46; read through either API.
    for (const [i, id] of baskets.entries()) {
      const doc = (await call(i, 'GET', `/baskets/${id}`)).json as unknown as { order_total: number; tax_total: number };
      expect(doc.order_total).toBe(7);
      expect(doc.tax_total).toBe(0.46);
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from baskets where id = any(${baskets}::uuid[]) and order_total <> 7.00`.execute(f.h.res.db);
    expect(rows[0]!.n).toBe(0);
    for (const p of [...apis, ...workers]) expect(await stopService(p, 'SIGTERM')).toBe(0);
  });
});
