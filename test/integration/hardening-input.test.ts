/**
 * Input that must be refused at the edge, once, in every dialect, changing nothing: lone UTF-16
 * surrogates in any string of any body; and failed jobs that stay small and few whatever they carried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { newMutationId } from '../../src/application/ids.js';

let h: Harness;
let sku: string;
let pk: number;
const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
const LONE = '\\ud800'; // as JSON text: a high surrogate with no low one after it
const LOW = '\\udc00'; // a low surrogate with no high one before it

beforeAll(async () => {
  h = await startHarness({ FAILED_JOBS_KEPT: '3' });
  sku = `${h.tag}-pen`;
  await seedProducts(h, [{ sku, price: '2.00' }]);
  const r = await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku, name: 'Pen', tax_rate: '0.2' }] } });
  pk = r.json().products[0].pk;
});
afterAll(async () => h?.close());

async function failedJobs(): Promise<number> {
  const counts = await Promise.all(h.api.lanes.all().map((q) => q.getFailedCount()));
  return counts.reduce((a, b) => a + b, 0);
}

describe('a lone surrogate in a request body', () => {
  it('is refused with 400 in each dialect, changes nothing and leaves no failed job', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    const before = (await s.get(id)).json();
    const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: string, headers: Record<string, string> = s.headers) =>
      h.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
    const cases: [string, () => ReturnType<typeof send>, (body: any) => void][] = [
      ['OCAPI product_id', () => send('POST', `${OCAPI}/baskets/${id}/items`, `[{"product_id":"${LONE}","quantity":1}]`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['OCAPI c_* value', () => send('PATCH', `${OCAPI}/baskets/${id}`, `{"c_note":"a${LOW}b"}`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['OCAPI c_* key', () => send('PATCH', `${OCAPI}/baskets/${id}`, `{"c_${LONE}":"x"}`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['OCAPI address', () => send('PUT', `${OCAPI}/baskets/${id}/billing_address`, `{"address1":"Main ${LONE}","city":"X","country_code":"US"}`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['OCAPI customer', () => send('PUT', `${OCAPI}/baskets/${id}/customer`, `{"email":"a@b.co","customer_no":"${LONE}"}`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['OCAPI card holder', () => send('POST', `${OCAPI}/baskets/${id}/payment_instruments`, `{"payment_method_id":"CREDIT_CARD","payment_card":{"card_type":"Visa","holder":"${LONE}"}}`), (b) => expect(b.fault.type).toBe('PropertyConstraintViolationException')],
      ['SCAPI productId', () => send('POST', `${ORG}/baskets/${id}/items?siteId=default`, `[{"productId":"${LONE}","quantity":1}]`), (b) => expect(b.title).toBeTruthy()],
      ['Akinon attributes', () => send('POST', '/baskets/basket/', `{"product":${pk},"quantity":1,"attributes":{"gift_note":"${LONE}"}}`), (b) => expect(b).not.toHaveProperty('fault')],
      ['Akinon voucher', () => send('PATCH', '/baskets/basket/', `{"voucher_code":"${LONE}"}`), (b) => expect(b).not.toHaveProperty('fault')],
      ['admin product name', () => send('PUT', '/admin/products', `{"products":[{"sku":"${h.tag}-x","name":"${LONE}","tax_rate":"0.2"}]}`, h.adminHeaders), (b) => expect(b.title ?? b.detail).toBeTruthy()],
    ];
    for (const [name, call, shape] of cases) {
      const r = await call();
      expect(r.statusCode, `${name}: ${r.body}`).toBe(400);
      expect(r.body, name).toMatch(/surrogate|Unicode|unicode/);
      shape(r.json());
    }
    expect((await s.get(id)).json()._resource_state).toBe(before._resource_state);
    expect((await s.get(id)).headers.etag).toBe(`"${before.product_items.length ? 2 : 1}"`);
    expect(await failedJobs()).toBe(0);
    // A well-formed pair (an emoji as escapes) is text and is kept.
    const ok = await send('PATCH', `${OCAPI}/baskets/${id}`, '{"c_note":"\\ud83d\\ude00"}');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().c_note).toBe('😀');
  });
});

describe('failed mutation jobs', () => {
  it('are kept few (FAILED_JOBS_KEPT per lane) and small (ids and kind only, no stack trace)', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    // Jobs nothing at the edge would let through (a lone surrogate PostgreSQL's jsonb refuses), queued
    // straight into the lane: each fails, and so does recording its failure.
    const lane = h.api.lanes.queue(h.api.lanes.laneFor(id));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const mutationId = newMutationId();
      ids.push(mutationId);
      await h.api.lanes.add({
        mutationId,
        basketId: id,
        ownerId: s.sub,
        role: 'customer',
        command: { kind: 'update_basket', custom: { c_big: `${'x'.repeat(20_000)}\ud800` } } as never,
        idempotencyKey: null,
        requestHash: null,
        enqueuedAt: new Date().toISOString(),
        replyTo: null,
      });
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await lane.getJobState(ids.at(-1)!)) !== 'failed') await new Promise((r) => setTimeout(r, 100));
    expect(await lane.getJobState(ids.at(-1)!)).toBe('failed');
    expect(await lane.getFailedCount()).toBe(3);
    const failed = await lane.getFailed();
    for (const job of failed) {
      expect(JSON.stringify(job.data).length).toBeLessThan(1000);
      expect(job.data.command).toEqual({ kind: 'update_basket' });
      expect(job.stacktrace ?? []).toEqual([]);
    }
    // The failed job's Redis hash itself stays small.
    const bytes = await h.res.redis.call('MEMORY', 'USAGE', `${lane.opts.prefix}:${lane.name}:${ids.at(-1)}`);
    expect(Number(bytes)).toBeLessThan(4096);
  });
});
