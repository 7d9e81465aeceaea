/**
 * Live basket streams over HTTP with a real EventSource client (the `eventsource` package): one event per
 * applied version, whoever made it (another device, the expiry sweep), in each dialect; authorisation as
 * GET; Last-Event-ID resume (missed versions, or one `reload`); caps; a second API instance; shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { pino } from 'pino';
import { EventSource } from 'eventsource';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { createApi } from '../../src/bootstrap/api-process.js';
import { createResources } from '../../src/bootstrap/resources.js';
import type { Subscriber } from '../../src/redis/pubsub.js';

let h: Harness;
let base: string;
let sku: string;
beforeAll(async () => {
  h = await startHarness({ EXPIRY_SWEEP_MS: '500', SSE_HEARTBEAT_MS: '300', SSE_MAX_STREAMS_PER_CUSTOMER: '3', SSE_REPLAY_MAX: '4' }, { scheduler: true });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = h.app.server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
  sku = `${h.tag}-ev`;
  await seedProducts(h, [{ sku, price: '10.00', stock: 100 }]);
});
afterAll(async () => h?.close());

interface Received {
  readonly type: string;
  readonly id: string;
  readonly data: any;
}

/** A real EventSource on `url` with the given headers; collects every event. */
function follow(url: string, headers: Record<string, string>) {
  const events: Received[] = [];
  const errors: unknown[] = [];
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  });
  const push = (type: string) => (e: MessageEvent) => events.push({ type, id: e.lastEventId, data: JSON.parse(e.data as string) });
  es.onmessage = push('message');
  es.addEventListener('reload', push('reload'));
  es.addEventListener('gone', push('gone'));
  es.onerror = (e) => errors.push(e);
  const until = async (pred: (all: Received[]) => boolean, ms = 10_000): Promise<Received[]> => {
    const end = Date.now() + ms;
    while (!pred(events)) {
      if (Date.now() > end) throw new Error(`stream: condition not met; got ${JSON.stringify(events.map((e) => [e.type, e.id]))}; errors ${JSON.stringify(errors.map((e) => [(e as { code?: number }).code, (e as { message?: string }).message]))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return events;
  };
  return { es, events, errors, until };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OCAPI stream', () => {
  it('sends the current version, then one event per version made by another device and by the expiry sweep', async () => {
    const phone = new Shopper(h);
    const laptop = new Shopper(h, phone.sub); // the same customer, another device (its own token)
    const id = await phone.createBasket();
    const s = follow(`${base}${OCAPI}/baskets/${id}/events`, phone.headers);
    try {
      await s.until((e) => e.length >= 1);
      expect(s.events[0]).toMatchObject({ type: 'message', id: '1', data: { basket_id: id, product_items: [] } });
      const added = await laptop.addItems(id, [{ product_id: sku, quantity: 2 }]);
      expect(added.statusCode).toBe(200);
      await s.until((e) => e.length >= 2);
      expect(s.events[1]).toMatchObject({ id: '2', data: { product_items: [expect.objectContaining({ product_id: sku, quantity: 2 })] } });
      expect(s.events[1]!.data.inventory_reservation_expiry).toEqual(expect.any(String));
      // The expiry sweep releases the holding: that version reaches the stream too.
      await sql`update reservations set expires_at = now() - interval '1 second' where basket_id = ${id}`.execute(h.res.db);
      await s.until((e) => e.length >= 3);
      expect(s.events[2]).toMatchObject({ id: '3', data: { inventory_reservation_expiry: null } });
      const { rows } = await sql<{ kind: string }>`select kind from mutations where basket_id = ${id} and version = 3`.execute(h.res.db);
      expect(rows).toEqual([{ kind: 'expire_reservations' }]);
      // The document is the one GET answers for that version.
      const got = await phone.get(id);
      expect(got.headers.etag).toBe('"3"');
      expect(s.events[2]!.data).toEqual(got.json());
      expect(s.events.map((e) => e.type)).toEqual(['message', 'message', 'message']);
    } finally {
      s.es.close();
    }
  });

  it('is authorised as GET: 401 without a token, 404 for another customer’s basket', async () => {
    const owner = new Shopper(h);
    const id = await owner.createBasket();
    const none = await fetch(`${base}${OCAPI}/baskets/${id}/events`);
    expect(none.status).toBe(401);
    const other = await fetch(`${base}${OCAPI}/baskets/${id}/events`, { headers: new Shopper(h).headers });
    expect(other.status).toBe(404);
    expect((await other.json()).fault.type).toBe('BasketNotFoundException');
    const bad = await fetch(`${base}${OCAPI}/baskets/${id}/events`, { headers: { ...owner.headers, 'last-event-id': 'x1' } });
    expect(bad.status).toBe(400);
  });

  it('resumes from Last-Event-ID with the missed versions, or one reload event when too far behind', async () => {
    const s0 = new Shopper(h);
    const id = await s0.createBasket();
    for (let i = 0; i < 2; i++) await s0.addItems(id, [{ product_id: sku, quantity: 1 }]); // versions 2, 3
    const resumed = follow(`${base}${OCAPI}/baskets/${id}/events`, { ...s0.headers, 'last-event-id': '1' });
    try {
      await resumed.until((e) => e.length >= 2);
      await sleep(300);
      expect(resumed.events.map((e) => e.id)).toEqual(['2', '3']);
      expect(resumed.events.map((e) => e.data.product_items[0].quantity)).toEqual([1, 2]);
    } finally {
      resumed.es.close();
    }
    for (let i = 0; i < 5; i++) await s0.addItems(id, [{ product_id: sku, quantity: 1 }]); // versions 4..8
    const late = follow(`${base}${OCAPI}/baskets/${id}/events`, { ...s0.headers, 'last-event-id': '3' });
    try {
      await late.until((e) => e.length >= 1);
      expect(late.events[0]).toMatchObject({ type: 'reload', id: '8', data: { version: 8, etag: '"8"' } });
      // …and the stream carries on live from there.
      await s0.addItems(id, [{ product_id: sku, quantity: 1 }]);
      await late.until((e) => e.length >= 2);
      expect(late.events[1]).toMatchObject({ type: 'message', id: '9' });
      expect(late.events).toHaveLength(2);
    } finally {
      late.es.close();
    }
  });

  it('ends with a gone event when the basket is deleted', async () => {
    const s0 = new Shopper(h);
    const id = await s0.createBasket();
    const s = follow(`${base}${OCAPI}/baskets/${id}/events`, s0.headers);
    try {
      await s.until((e) => e.length >= 1);
      expect((await s0.request('DELETE', `${OCAPI}/baskets/${id}`)).statusCode).toBe(204);
      await s.until((e) => e.some((x) => x.type === 'gone'));
      expect(s.events.at(-1)).toMatchObject({ type: 'gone', id: '2' });
    } finally {
      s.es.close();
    }
  });
});

describe('SCAPI and Akinon streams', () => {
  it('SCAPI: camelCase documents; ?light=true sends the ETag and flashes only', async () => {
    const s0 = new Shopper(h);
    const id = await s0.createBasket();
    const url = `${base}/checkout/shopper-baskets/v1/organizations/f_ecom_test/baskets/${id}/events?siteId=default`;
    const full = follow(url, s0.headers);
    const light = follow(`${url}&light=true`, s0.headers);
    try {
      await full.until((e) => e.length >= 1);
      await light.until((e) => e.length >= 1);
      await s0.addItems(id, [{ product_id: sku, quantity: 1 }]);
      await full.until((e) => e.length >= 2);
      await light.until((e) => e.length >= 2);
      expect(full.events[1]).toMatchObject({ id: '2', data: { basketId: id, productItems: [expect.objectContaining({ productId: sku, quantity: 1 })] } });
      expect(full.events[1]!.data._v).toBeUndefined();
      expect(light.events[1]).toMatchObject({ id: '2', data: { etag: '"2"', flash: expect.any(Array) } });
      expect(Object.keys(light.events[1]!.data).sort()).toEqual(['etag', 'flash']);
      const other = await fetch(url, { headers: new Shopper(h).headers });
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      full.es.close();
      light.es.close();
    }
  });

  it('Akinon: /baskets/basket/events/ follows the caller’s active basket in Akinon’s shape', async () => {
    const s0 = new Shopper(h);
    const first = (await s0.request('GET', '/baskets/basket/')).json().basket;
    const s = follow(`${base}/baskets/basket/events/`, s0.headers);
    try {
      await s.until((e) => e.length >= 1);
      expect(s.events[0]!.data.basket).toMatchObject({ pk: first.pk, basketitem_set: [] });
      const pk = (await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku, name: sku, tax_rate: '0.2' }] } })).json().products[0].pk;
      expect((await s0.request('POST', '/baskets/basket/', { product: pk, quantity: 1 })).statusCode).toBe(200);
      await s.until((e) => e.length >= 2);
      expect(s.events[1]!.data.basket.basketitem_set).toEqual([expect.objectContaining({ quantity: 1 })]);
      expect(Number(s.events[1]!.id)).toBe(Number(s.events[0]!.id) + 1);
      // The light form: the ETag and the unavailable lines only.
      const light = follow(`${base}/baskets/basket/events/?light=true`, s0.headers);
      try {
        await light.until((e) => e.length >= 1);
        expect(light.events[0]!.data).toEqual({ etag: `"${s.events[1]!.id}"`, unavailable_basket_products: [] });
      } finally {
        light.es.close();
      }
    } finally {
      s.es.close();
    }
  });
});

describe('versions made by a merge', () => {
  it('the customer’s stream gets the merged version; the guest’s stream ends with gone', async () => {
    const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
    const guest = new Shopper(h, `guest-${Math.random().toString(36).slice(2)}`);
    const guestBasket = await guest.createBasket();
    expect((await guest.addItems(guestBasket, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200);
    const customer = new Shopper(h);
    const mine = await customer.createBasket();
    const gs = follow(`${base}${OCAPI}/baskets/${guestBasket}/events`, guest.headers);
    const cs = follow(`${base}${OCAPI}/baskets/${mine}/events?light=true`, customer.headers);
    try {
      await gs.until((e) => e.length >= 1);
      await cs.until((e) => e.length >= 1);
      const merged = await customer.request('POST', `${ORG}/baskets/actions/merge?siteId=default`, undefined, { 'x-guest-authorization': guest.headers.authorization! });
      expect(merged.statusCode, merged.body).toBe(200);
      await cs.until((e) => e.length >= 2);
      expect(cs.events[1]).toMatchObject({ id: '2', data: { etag: '"2"' } });
      await gs.until((e) => e.some((x) => x.type === 'gone'));
      expect(gs.events.map((e) => [e.type, e.id])).toEqual([['message', '2'], ['gone', '3']]);
    } finally {
      gs.es.close();
      cs.es.close();
    }
  });
});

describe('limits, other processes and shutdown', () => {
  it('caps the open streams of one shopper (429 past the cap; a closed stream frees its place)', async () => {
    const s0 = new Shopper(h);
    const id = await s0.createBasket();
    const url = `${base}${OCAPI}/baskets/${id}/events`;
    const open = [follow(url, s0.headers), follow(url, s0.headers), follow(url, s0.headers)];
    try {
      for (const s of open) await s.until((e) => e.length >= 1);
      const fourth = await fetch(url, { headers: s0.headers });
      expect(fourth.status).toBe(429);
      expect((await fourth.json()).fault.type).toBe('QuotaExceededException');
      open.pop()!.es.close();
      const again = await (async () => {
        for (let i = 0; i < 40; i++) {
          const r = await fetch(url, { headers: s0.headers });
          if (r.status === 200) return r;
          await r.body?.cancel();
          await sleep(50);
        }
        throw new Error('no place freed');
      })();
      expect(again.headers.get('content-type')).toContain('text/event-stream');
      await again.body?.cancel();
    } finally {
      for (const s of open) s.es.close();
    }
  });

  it('a stream on a second API instance sees versions made through the first; heartbeats flow; shutdown ends it', async () => {
    // Its own connections and registry, as another process would have; only Redis and PostgreSQL are shared.
    const res2 = createResources(h.config, pino({ level: 'silent' }));
    const second = await createApi(h.config, res2, pino({ level: 'silent' }));
    await second.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (second.app.server.address() as { port: number }).port;
    const s0 = new Shopper(h);
    const id = await s0.createBasket();
    const res = await fetch(`http://127.0.0.1:${port}${OCAPI}/baskets/${id}/events`, { headers: s0.headers });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pred: (t: string) => boolean) => {
      while (!pred(text)) {
        const { value, done } = await reader.read();
        if (done) return true;
        text += new TextDecoder().decode(value);
      }
      return false;
    };
    await readUntil((t) => t.includes('id: 1\n'));
    await s0.addItems(id, [{ product_id: sku, quantity: 1 }]);
    await readUntil((t) => t.includes('id: 2\n'));
    await readUntil((t) => t.includes(': heartbeat'));
    expect(second.streams.size).toBe(1);
    const started = Date.now();
    await second.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await readUntil(() => false)).toBe(true); // the stream ended
    expect(second.streams.size).toBe(0);
    await res2.close();
  });

  /**
   * A second API process whose subscriptions go through `wrap`, heartbeat `heartbeatMs`: opens a stream on a
   * fresh basket, waits for its first event, and hands both to `body`.
   */
  async function withStreamThrough(
    wrap: (inner: Subscriber) => Subscriber,
    heartbeatMs: number,
    body: (s0: Shopper, id: string, stream: ReturnType<typeof follow>) => Promise<void>,
  ): Promise<void> {
    const res2 = createResources(h.config, pino({ level: 'silent' }));
    const api = await createApi({ ...h.config, SSE_HEARTBEAT_MS: heartbeatMs }, { ...res2, newSubscriber: () => wrap(res2.newSubscriber()) }, pino({ level: 'silent' }));
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (api.app.server.address() as { port: number }).port;
      const s0 = new Shopper(h);
      const id = await s0.createBasket();
      const stream = follow(`http://127.0.0.1:${port}${OCAPI}/baskets/${id}/events`, s0.headers);
      try {
        await stream.until((e) => e.length >= 1);
        await body(s0, id, stream);
      } finally {
        stream.es.close();
      }
    } finally {
      await api.close();
      await res2.close();
    }
  }

  it('a stream whose subscription outlasts several heartbeats still opens as an event stream and gets every version', async () => {
    // Subscribing can take longer than a heartbeat (a loaded machine, a cluster shard's first subscription).
    // The heartbeat once wrote to such a stream before its headers: Node sent a bare 200 without
    // `text/event-stream`, the real headers then failed, and the stream carried heartbeats only.
    const slowSubscriber = (inner: Subscriber): Subscriber => ({
      subscribe: async (channel, handler) => {
        await sleep(700);
        return inner.subscribe(channel, handler);
      },
      close: () => inner.close(),
    });
    await withStreamThrough(slowSubscriber, 100, async (s0, id, stream) => {
      await s0.addItems(id, [{ product_id: sku, quantity: 1 }]);
      await stream.until((e) => e.length >= 2);
      expect(stream.events.map((e) => [e.type, e.id])).toEqual([
        ['message', '1'],
        ['message', '2'],
      ]);
      expect(stream.errors).toEqual([]);
    });
  });

  it('a notice lost on its way (pub/sub is at most once) delays that version by a heartbeat, no more', async () => {
    let deaf = false;
    const lossySubscriber = (inner: Subscriber): Subscriber => ({
      subscribe: (channel, handler) => inner.subscribe(channel, (message, ch) => (deaf ? undefined : handler(message, ch))),
      close: () => inner.close(),
    });
    await withStreamThrough(lossySubscriber, 200, async (s0, id, stream) => {
      deaf = true;
      expect((await s0.addItems(id, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
      await stream.until((e) => e.length >= 2, 3000);
      expect(stream.events.map((e) => [e.type, e.id])).toEqual([
        ['message', '1'],
        ['message', '2'],
      ]);
      expect(stream.events[1]!.data.product_items).toEqual([expect.objectContaining({ product_id: sku, quantity: 1 })]);
    });
  });
});
