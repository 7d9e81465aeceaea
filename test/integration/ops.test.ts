/** Bull Board behind admin credentials, and Prometheus metrics of the write and read paths. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-ops`;
  await seedProducts(h, [{ sku, price: '3.00' }]);
});
afterAll(async () => h?.close());

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('Bull Board', () => {
  const paths = [
    '/admin/queues',
    '/admin/queues/',
    '/admin/queues/api/queues',
    '/admin/queues/static/favicon-32x32.png',
    '/admin/queues/queue/basket-mutations-0',
  ];

  it('answers 401 for pages, static assets and its API without admin credentials', async () => {
    for (const url of paths) {
      for (const headers of [
        {},
        new Shopper(h).headers,
        { authorization: basic('admin', 'wrong-token') },
        { authorization: basic('root', h.config.ADMIN_TOKEN) },
      ]) {
        const r = await h.app.inject({ method: 'GET', url, headers });
        expect(r.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    const r = await h.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(r.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('shows every lane queue and the expiry scheduler queue to the admin (Bearer or Basic)', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: basic('admin', h.config.ADMIN_TOKEN) } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const asset = await h.app.inject({ method: 'GET', url: '/admin/queues/static/favicon-32x32.png', headers: h.adminHeaders });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('image/png');
    const api = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: h.adminHeaders });
    expect(api.statusCode).toBe(200);
    const names = (api.json().queues as { name: string }[]).map((q) => q.name).sort();
    // Home lanes, then hot lanes.
    expect(names).toEqual([...Array.from({ length: h.config.LANES + h.config.HOT_LANES }, (_, i) => `basket-mutations-${i}`), 'basket-expiry'].sort());
  });

  it('hides actions in read-only mode', async () => {
    const ro = await startHarness({ BOARD_READ_ONLY: 'true' }, { workers: false });
    try {
      const api = await ro.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: ro.adminHeaders });
      expect((api.json().queues as { readOnlyMode: boolean }[]).every((q) => q.readOnlyMode)).toBe(true);
      const rw = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: h.adminHeaders });
      expect((rw.json().queues as { readOnlyMode: boolean }[]).every((q) => !q.readOnlyMode)).toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('shows job payloads without tokens or secrets', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }], { 'idempotency-key': `secret-check-${id}` });
    const lane = h.api.lanes.laneFor(id);
    const r = await h.app.inject({
      method: 'GET',
      url: `/admin/queues/api/queues?activeQueue=basket-mutations-${lane}&status=completed&page=1&jobsPerPage=50`,
      headers: h.adminHeaders,
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(id);
    expect(r.body).not.toContain(s.headers.authorization!.slice('Bearer '.length));
    expect(r.body).not.toContain(h.config.JWT_SECRET);
    expect(r.body).not.toContain(h.config.ADMIN_TOKEN);
  });
});

describe('/metrics', () => {
  it('counts requests by route and status, mutations by kind and status, cache hits, lane jobs and process metrics', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    await s.addItems(id, [{ product_id: `${h.tag}-none`, quantity: 1 }]);
    await s.get(id);
    const r = await h.app.inject({ method: 'GET', url: '/metrics', headers: h.adminHeaders });
    expect(r.statusCode).toBe(200);
    const text = r.body;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*method="POST",route="\/s\/:site_id\/dw\/shop\/v23_2\/baskets\/:basket_id\/items",status_code="200"/,
    );
    expect(text).toMatch(/basket_mutations_total\{[^}]*kind="add_items",status="applied",duplicate="false"[^}]*\} [1-9]/);
    expect(text).toMatch(/basket_mutations_total\{[^}]*kind="add_items",status="rejected"/);
    expect(text).toMatch(/basket_mutation_apply_duration_seconds_bucket\{[^}]*kind="create_basket"/);
    expect(text).toMatch(/basket_mutation_enqueue_to_applied_seconds_count\{[^}]*kind="add_items"/);
    expect(text).toMatch(/basket_snapshot_cache_total\{[^}]*result="hit"[^}]*\} [1-9]/);
    expect(text).toMatch(/basket_lane_jobs\{[^}]*queue="basket-mutations-0",state="waiting"/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

describe('/docs', () => {
  it('serves an OpenAPI document generated from the route schemas, and its UI', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toMatch(/^3\./);
    const items = doc.paths['/s/{site_id}/dw/shop/v23_2/baskets/{basket_id}/items'];
    expect(items.post.tags).toEqual(['OCAPI']);
    // The zod body schema made it into the document: an array of {product_id, quantity}.
    const body = items.post.requestBody.content['application/json'].schema;
    expect(body.type).toBe('array');
    expect(body.items.required).toEqual(expect.arrayContaining(['product_id', 'quantity']));
    expect(doc.paths['/admin/products'].put.tags).toEqual(['Admin']);
    expect(doc.paths['/admin/promotions/{code}'].put.tags).toEqual(['Admin']);
    // SCAPI: the same operation in its own spelling (camelCase fields, siteId query, organizationId path).
    const scapi = doc.paths['/checkout/shopper-baskets/v1/organizations/{organizationId}/baskets/{basketId}/items'].post;
    expect(scapi.tags).toEqual(['SCAPI Shopper Baskets']);
    expect(scapi.requestBody.content['application/json'].schema.items.required).toEqual(['productId', 'quantity']);
    expect(scapi.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:siteId', 'path:organizationId', 'path:basketId']),
    );
    expect(
      doc.paths['/checkout/shopper-baskets/v1/organizations/{organizationId}/baskets/{basketId}/shipments/{shipmentId}/shipping-address'].put,
    ).toBeDefined();
    expect(doc.paths['/checkout/shopper-baskets/v1/organizations/{organizationId}/baskets/actions/merge'].post).toBeDefined();
    // Akinon.
    expect(doc.paths['/baskets/basket/'].post.tags).toEqual(['Akinon']);
    expect(doc.paths['/baskets/basket_items/'].patch).toBeDefined();
    expect(doc.paths['/mutations/{mutation_id}']).toBeDefined();
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/admin/queues'))).toBe(false);
    const ui = await h.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});

describe('/health and /ready', () => {
  it('the API and a worker-only process report PostgreSQL, Redis and the schema alike', async () => {
    const { createOpsServer } = await import('../../src/bootstrap/ops-server.js');
    const worker = await createOpsServer(h.res);
    try {
      for (const app of [h.app, worker]) {
        expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
        const ready = await app.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(200);
        expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: true, redis: true, migrations: true, lanes: true } });
      }
      expect((await worker.inject({ method: 'GET', url: '/metrics' })).body).toContain('process_cpu_user_seconds_total');
    } finally {
      await worker.close();
    }
  });
});
