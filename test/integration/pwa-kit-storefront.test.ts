/**
 * PWA Kit's Retail React App works unchanged: its cart and checkout call sequence through the official
 * ShopperBasketsV2 and ShopperCustomers clients, with the bodies the app builds (see
 * test/support/pwa-kit-flow.ts for each call's source file in `@salesforce/retail-react-app` 10.2.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { ShopperBaskets, ShopperBasketsV2 } from 'commerce-sdk-isomorphic';
import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness.js';
import { runStorefrontFlow, storefrontSite, type FlowSetup } from '../support/pwa-kit-flow.js';

let h: Harness;
let setup: FlowSetup;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  setup = await storefrontSite(h, `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`);
});
afterAll(async () => h?.close());

describe("PWA Kit's cart and checkout through ShopperBasketsV2 and ShopperCustomers", () => {
  it('runs the whole sequence with HS256 tokens (guest, then signed in with guest_sub)', async () => {
    const guest = `guest-${h.tag}`;
    const guest2 = `guest2-${h.tag}`;
    const customer = `customer-${h.tag}`;
    await runStorefrontFlow(setup, {
      guest: { token: h.tokens.sign(guest), customerId: guest },
      registered: { token: h.tokens.sign(customer, 'customer', guest), customerId: customer },
      secondGuest: { token: h.tokens.sign(guest2), customerId: guest2 },
      registeredAfterSecond: { token: h.tokens.sign(customer, 'customer', guest2), customerId: customer },
    });
  });

  it('refuses what it cannot do with SCAPI error documents: an unknown shipment, removing `me`, gift certificates, tax mode external', async () => {
    const sub = `edge-${h.tag}`;
    const sdk = new ShopperBasketsV2({ parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' }, proxy: setup.origin, headers: { authorization: `Bearer ${h.tokens.sign(sub)}` } });
    const basketId = (await sdk.createBasket({ body: {} })).basketId!;
    const raw = async (p: Promise<Response>) => {
      const r = await p;
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    };
    const other = await raw(sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: setup.socks, quantity: 1, shipmentId: 'gift-box' }] }, true));
    expect([other.status, other.body.title]).toEqual([404, 'Shipment Not Found']);
    const gc = await raw(sdk.addGiftCertificateItemToBasket({ parameters: { basketId }, body: { amount: 10, recipientEmail: 'a@example.com' } }, true));
    expect([gc.status, gc.body.title]).toEqual([400, 'Unsupported Operation']);
    // The default shipment is never removed (SFCC: 403 DefaultShipmentDeletionForbidden).
    const removeMe = await raw(sdk.removeShipmentFromBasket({ parameters: { basketId, shipmentId: 'me' } }, true));
    expect([removeMe.status, removeMe.body.title]).toEqual([403, 'Default Shipment Deletion Forbidden']);
    const taxes = await raw(sdk.getTaxesFromBasket({ parameters: { basketId } }, true));
    expect([taxes.status, taxes.body.type]).toEqual([400, expect.stringMatching(/unsupported-operation$/)]);
    const external = await raw(sdk.createBasket({ parameters: { taxMode: 'external' }, body: {} }, true));
    expect(external.status).toBe(400);
    // Nothing changed: the basket is still empty.
    expect((await sdk.getBasket({ parameters: { basketId } })).productItems ?? []).toEqual([]);
  });

  it('a variant swap beyond stock is refused whole: the line and its held units stay as they were', async () => {
    const sub = `swap-${h.tag}`;
    const sdk = new ShopperBasketsV2({ parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' }, proxy: setup.origin, headers: { authorization: `Bearer ${h.tokens.sign(sub)}` } });
    const basketId = (await sdk.createBasket({ body: {} })).basketId!;
    const added = await sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: setup.socks, quantity: 2 }] });
    const itemId = added.productItems![0]!.itemId!;
    const r = await sdk.updateItemInBasket({ parameters: { basketId, itemId }, body: { productId: setup.red, quantity: 999 } }, true);
    expect(r.status).toBe(409);
    const basket = await sdk.getBasket({ parameters: { basketId } });
    expect(basket.productItems?.map((i) => [i.itemId, i.productId, i.quantity])).toEqual([[itemId, setup.socks, 2]]);
    await sdk.deleteBasket({ parameters: { basketId } });
  });

  it('transfers racing the guest\'s own adds keep every held unit accounted for', async () => {
    const sdkFor = (token: string) => new ShopperBasketsV2({ parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' }, proxy: setup.origin, headers: { authorization: `Bearer ${token}` } });
    const rounds = 6;
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const guest = `race-guest-${i}-${h.tag}`;
        const customer = `race-customer-${i}-${h.tag}`;
        const g = sdkFor(h.tokens.sign(guest));
        const c = sdkFor(h.tokens.sign(customer, 'customer', guest));
        const mine = (await c.createBasket({ body: {} })).basketId!;
        await c.addItemToBasket({ parameters: { basketId: mine }, body: [{ productId: setup.socks, quantity: 1 }] });
        const gb = (await g.createBasket({ body: {} })).basketId!;
        await g.addItemToBasket({ parameters: { basketId: gb }, body: [{ productId: setup.red, quantity: 1 }] });
        // The guest's adds and the sign-in's transfer race on the guest basket's lane.
        const adds = Array.from({ length: 3 }, () => g.addItemToBasket({ parameters: { basketId: gb }, body: [{ productId: setup.red, quantity: 1 }] }, true));
        const transfer = c.transferBasket({ parameters: { merge: true } }, true);
        const [t] = await Promise.all([transfer, ...adds]);
        expect(t.status).toBe(200);
      }),
    );
    // Every unit held belongs to a live basket, and the stock counters equal the holdings.
    const { rows } = await sql<{ sku: string; reserved: number; held: number; stranded: number }>`
      select s.sku, s.reserved,
        (select coalesce(sum(r.quantity), 0)::int from reservations r where r.stock_list = s.stock_list and r.sku = s.sku) as held,
        (select coalesce(sum(r.quantity), 0)::int from reservations r join baskets b on b.id = r.basket_id
          where r.stock_list = s.stock_list and r.sku = s.sku and b.status <> 'active') as stranded
      from stocks s where s.stock_list = ${setup.stockList}`.execute(h.res.db);
    for (const r of rows) expect([r.sku, r.reserved, r.stranded]).toEqual([r.sku, r.held, 0]);
    // Each customer ended with exactly one active basket holding its socks and the guest's dresses.
    for (let i = 0; i < rounds; i++) {
      const { rows: baskets } = await sql<{ n: number }>`select count(*)::int as n from baskets where owner_id = ${`race-customer-${i}-${h.tag}`} and status = 'active'`.execute(h.res.db);
      expect(baskets[0]!.n).toBe(1);
    }
  });

  it('OCAPI lists the customer\'s baskets too (own only; agents any), and keeps a gift message per item', async () => {
    const sub = `ocapi-list-${h.tag}`;
    const owner = { authorization: `Bearer ${h.tokens.sign(sub)}` };
    const base = `/s/${setup.siteId}/dw/shop/v23_2`;
    const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: unknown) =>
      h.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    const id = (await inject('POST', `${base}/baskets`, owner, {})).json().basket_id as string;
    const added = (await inject('POST', `${base}/baskets/${id}/items`, owner, [{ product_id: setup.socks, quantity: 1, gift: true, gift_message: 'For you' }])).json();
    expect(added.product_items[0]).toMatchObject({ gift: true, gift_message: 'For you' });
    const item = added.product_items[0].item_id as string;
    const cleared = (await inject('PATCH', `${base}/baskets/${id}/items/${item}`, owner, { gift_message: null })).json();
    expect(cleared.product_items[0].gift).toBe(true);
    expect(cleared.product_items[0]).not.toHaveProperty('gift_message');

    const list = await inject('GET', `${base}/customers/${sub}/baskets`, owner);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ _v: '23.2', _type: 'baskets_result', total: 1, baskets: [{ basket_id: id, product_items: [{ product_id: setup.socks }] }] });
    const stranger = await inject('GET', `${base}/customers/${sub}/baskets`, { authorization: `Bearer ${h.tokens.sign(`other-${h.tag}`)}` });
    expect([stranger.statusCode, stranger.json().fault.type]).toEqual([403, 'AccessWithoutPermissionException']);
    const agent = await inject('GET', `${base}/customers/${sub}/baskets`, { authorization: `Bearer ${h.tokens.sign(`agent-${h.tag}`, 'agent')}` });
    expect(agent.json().total).toBe(1);
    expect((await inject('GET', `${base}/customers/${sub}/baskets`, {})).statusCode).toBe(401);
  });

  it('routes every method the official clients declare (v1 and v2): none falls through to the router\'s 404', async () => {
    const sub = `every-${h.tag}`;
    const conf = { parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' }, proxy: setup.origin, headers: { authorization: `Bearer ${h.tokens.sign(sub)}` } };
    type Sdk = Record<string, (o: object, raw: boolean) => Promise<Response>>;
    const clients: [string, Sdk, Record<string, string>][] = [
      ['ShopperBaskets', new ShopperBaskets(conf) as unknown as Sdk, ShopperBaskets.apiPaths],
      ['ShopperBasketsV2', new ShopperBasketsV2(conf) as unknown as Sdk, ShopperBasketsV2.apiPaths],
    ];
    for (const [label, sdk, apiPaths] of clients) {
      const basketId = ((await (sdk.createBasket!({ body: {} }, true))).json() as Promise<{ basketId: string }>);
      const id = (await basketId).basketId;
      const parameters = { basketId: id, itemId: 'x', couponItemId: 'x', paymentInstrumentId: 'x', priceAdjustmentId: 'x', shipmentId: 'me', giftCertificateItemId: 'x' };
      const names = Object.keys(apiPaths).filter((n) => n !== 'deleteBasket');
      expect(names.length).toBeGreaterThanOrEqual(36);
      for (const name of names) {
        const r = await sdk[name]!({ parameters, body: {} }, true);
        const body = r.status === 204 ? null : ((await r.json()) as { title?: string });
        expect([name, r.status === 404 && body?.title === 'Resource Path Not Found', r.status === 405], `${label}.${name}: ${r.status} ${JSON.stringify(body)}`).toEqual([name, false, false]);
        expect(r.status, name).toBeLessThan(500);
      }
    }
  });
});
