/** PATCH /baskets/{basket_id}: source_code, c_* properties, currency, and `_resource_state` concurrency. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const patch = (s: Shopper, id: string, body: unknown) => s.request('PATCH', `${OCAPI}/baskets/${id}`, body);

describe('PATCH /baskets/{basket_id}', () => {
  it('sets source_code and custom properties, and a null removes a property', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await patch(s, id, { source_code: 'SPRING', c_gift_note: 'Happy birthday', c_channel: 'app' });
    expect(r.statusCode).toBe(200);
    expect(r.headers.etag).toBe('"2"');
    expect(r.json()).toMatchObject({ source_code: 'SPRING', c_gift_note: 'Happy birthday', c_channel: 'app' });
    const cleared = (await patch(s, id, { source_code: null, c_channel: null })).json();
    expect(cleared.source_code).toBeUndefined();
    expect(cleared.c_channel).toBeUndefined();
    expect(cleared.c_gift_note).toBe('Happy birthday');
    const row = await h.res.db.selectFrom('baskets').select(['source_code', 'custom']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ source_code: null, custom: { c_gift_note: 'Happy birthday' } });
  });

  it('accepts the current _resource_state and refuses a stale one with 409, changing nothing', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const state1 = (await s.get(id)).json()._resource_state as string;
    const ok = await patch(s, id, { _resource_state: state1, c_step: 1 });
    expect(ok.statusCode).toBe(200);
    const stale = await patch(s, id, { _resource_state: state1, c_step: 2 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().fault.type).toBe('ResourceStateConflictException');
    expect((await s.get(id)).json().c_step).toBe(1);
  });

  it('answers a repeat of an applied PATCH under its Idempotency-Key with the first result, not a 409', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const state = (await s.get(id)).json()._resource_state as string;
    const key = { 'idempotency-key': `patch-${id}` };
    const first = await s.request('PATCH', `${OCAPI}/baskets/${id}`, { _resource_state: state, c_n: 1 }, key);
    const again = await s.request('PATCH', `${OCAPI}/baskets/${id}`, { _resource_state: state, c_n: 1 }, key);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect((await patch(s, id, { _resource_state: 'not-a-state' })).statusCode).toBe(409);
  });

  it('lets exactly one of two racing PATCHes with the same _resource_state through', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const state = (await s.get(id)).json()._resource_state as string;
    const [a, b] = await Promise.all([patch(s, id, { _resource_state: state, c_who: 'a' }), patch(s, id, { _resource_state: state, c_who: 'b' })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect((await s.get(id)).headers.etag).toBe('"2"');
  });

  it("refuses a currency other than the site's with 400, and unknown properties", async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await patch(s, id, { currency: 'EUR' });
    expect(r.statusCode).toBe(400);
    expect(r.json().fault.type).toBe('UnsupportedCurrencyException');
    expect((await patch(s, id, { currency: 'USD' })).statusCode).toBe(200);
    expect((await patch(s, id, { shipping: 'x' })).statusCode).toBe(400);
    expect((await new Shopper(h).request('PATCH', `${OCAPI}/baskets/${id}`, { c_x: 1 })).statusCode).toBe(404);
  });
});
