/**
 * A basket's history: GET /admin/baskets/{id}/mutations and, for agents, OCAPI's
 * GET /baskets/{id}/mutations — the mutation log newest first, paged by cursor, with kind, status,
 * version, actor, times and rejection code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { sweepExpiredReservations } from '../../src/application/sweep-expired-reservations.js';
import { sql } from 'kysely';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const admin = (url: string, headers: Record<string, string> = h.adminHeaders) => h.app.inject({ method: 'GET', url, headers });

describe('basket history', () => {
  it('lists every finished mutation newest first with kind, status, version, actor, times and rejection code, paged by cursor', async () => {
    const sku = `${h.tag}-hist`;
    await seedProducts(h, [{ sku, price: '5.00', stock: 2 }]);
    const s = new Shopper(h);
    const id = await s.createBasket(); // v1
    expect((await s.addItems(id, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200); // v2
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(409); // rejected, stays v2
    await sql`update reservations set expires_at = now() - interval '1 second' where basket_id = ${id}`.execute(h.res.db);
    await sweepExpiredReservations({ db: h.res.db, lanes: h.api.lanes, now: () => new Date() }, 500);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && (await s.get(id)).headers.etag !== '"3"'; i++) await new Promise((r) => setTimeout(r, 50)); // v3 by the sweep

    const r = await admin(`/admin/baskets/${id}/mutations`);
    expect(r.statusCode, r.body).toBe(200);
    const page = r.json();
    expect(page).toMatchObject({ basket_id: id, site_id: 'default', owner_id: s.sub, next_cursor: null });
    expect(
      page.mutations.map((m: { kind: string; status: string; version: number; actor: string; rejection_code: string | null }) => [
        m.kind,
        m.status,
        m.version,
        m.actor,
        m.rejection_code,
      ]),
    ).toEqual([
      ['expire_reservations', 'applied', 3, 'system', null],
      ['add_items', 'rejected', 2, s.sub, 'product_item_not_available'],
      ['add_items', 'applied', 2, s.sub, null],
      ['create_basket', 'applied', 1, s.sub, null],
    ]);
    for (const m of page.mutations) {
      expect(Date.parse(m.applied_at)).toBeGreaterThanOrEqual(Date.parse(m.enqueued_at));
      expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(page.mutations[1].message).toContain(sku);

    // Paged two at a time: the same entries, in the same order, each once.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: { mutations: { id: string }[]; next_cursor: string | null } = (
        await admin(`/admin/baskets/${id}/mutations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...p.mutations.map((m) => m.id));
      cursor = p.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(page.mutations.map((m: { id: string }) => m.id));
    expect(pages).toBe(2);

    // OCAPI, for agents: the same log as an OCAPI result; customers may not read it.
    const agent = new Shopper(h, 'agent-hist', 'agent');
    const viaOcapi = await agent.request('GET', `${OCAPI}/baskets/${id}/mutations?limit=3`);
    expect(viaOcapi.statusCode, viaOcapi.body).toBe(200);
    expect(viaOcapi.json()).toMatchObject({
      _v: '23.2',
      _type: 'basket_mutation_result',
      count: 3,
      data: [expect.objectContaining({ _type: 'basket_mutation', kind: 'expire_reservations' }), expect.anything(), expect.anything()],
    });
    expect(viaOcapi.json().next_cursor).toEqual(expect.any(String));
    const asCustomer = await s.request('GET', `${OCAPI}/baskets/${id}/mutations`);
    expect(asCustomer.statusCode).toBe(403);
    expect(asCustomer.json().fault.type).toBe('AccessWithoutPermissionException');
    expect((await agent.request('GET', `/s/other-site/dw/shop/v23_2/baskets/${id}/mutations`)).statusCode).toBe(404);
  });

  it('refuses what it cannot answer: unknown basket 404, a forged cursor 400, a bad limit 400, no admin token 401', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await admin(`/admin/baskets/00000000-0000-4000-8000-000000000000/mutations`)).statusCode).toBe(404);
    const forged = await admin(`/admin/baskets/${id}/mutations?cursor=${Buffer.from('nope').toString('base64url')}`);
    expect(forged.statusCode).toBe(400);
    expect(forged.headers['content-type']).toContain('application/problem+json');
    expect((await admin(`/admin/baskets/${id}/mutations?limit=1000`)).statusCode).toBe(400);
    expect((await admin(`/admin/baskets/${id}/mutations`, {})).statusCode).toBe(401);
  });
});
