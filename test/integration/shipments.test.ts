/**
 * Several shipments, as PWA Kit's Retail React App 10.x drives them through the official
 * `ShopperBasketsV2` client, with the bodies its hooks build (`app/hooks/use-shipment-operations.js`:
 * createShipment, updateShipmentAddress, updateShippingMethod, removeShipment;
 * `use-item-shipment-management.js`: updateItemToDeliveryShipment, updateItemsToDeliveryShipment;
 * `use-pickup-shipment.js`: the default shipment's updateShipmentForBasket with `c_fromStoreId`, and back
 * with `shippingAddress: {}`). The same basket read through OCAPI and the internal snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { ResponseError} from 'commerce-sdk-isomorphic';
import { ShopperBasketsV2 } from 'commerce-sdk-isomorphic';
import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness.js';
import { storefrontSite, type FlowSetup } from '../support/pwa-kit-flow.js';
import { errorOf } from '../support/pwa-kit-flow.js';

let h: Harness;
let setup: FlowSetup;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  setup = await storefrontSite(h, `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`);
  // Standard free from 50.00 (on each shipment's own products).
  const r = await h.app.inject({
    method: 'PUT',
    url: `/admin/sites/${setup.siteId}/shipping-methods/standard`,
    headers: h.adminHeaders,
    payload: { name: 'Standard', price: '5.00', tax_rate: '0.2', free_over: '50.00' },
  });
  expect(r.statusCode, r.body).toBe(200);
  // The store the pickup test's `c_fromStoreId` names (an unknown store is refused).
  const store = await h.app.inject({
    method: 'PUT',
    url: `/admin/sites/${setup.siteId}/stores/store-boston`,
    headers: h.adminHeaders,
    payload: { name: 'Boston', stock_list: `${setup.stockList}-boston`, address1: '5 Store Rd', city: 'Boston', country_code: 'US' },
  });
  expect(store.statusCode, store.body).toBe(200);
});
afterAll(async () => h?.close());

const sdkFor = (sub: string) =>
  new ShopperBasketsV2({
    parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' },
    proxy: setup.origin,
    headers: { authorization: `Bearer ${h.tokens.sign(sub)}` },
    throwOnBadResponse: true,
  });

/** The app's `cleanAddressForOrder` of a customer address. */
const cleanAddressForOrder = (a: Record<string, string>) => ({
  address1: a.address1,
  city: a.city,
  countryCode: a.countryCode,
  firstName: a.firstName,
  lastName: a.lastName,
  phone: a.phone,
  postalCode: a.postalCode,
  stateCode: a.stateCode,
});
const home = { address1: '1 Main St', city: 'Boston', countryCode: 'US', firstName: 'Ada', lastName: 'L', phone: '555', postalCode: '02101', stateCode: 'MA' };
const office = { ...home, address1: '9 Office Park', city: 'Cambridge', postalCode: '02139' };

async function reserved(sku: string): Promise<number> {
  const r = await h.app.inject({ method: 'GET', url: `/admin/stock-lists/${setup.stockList}/${sku}`, headers: h.adminHeaders });
  return r.json().reserved as number;
}

describe("PWA Kit's multi-shipment calls through ShopperBasketsV2", () => {
  it('creates a shipment, moves items into it one and many at a time, prices and flashes each shipment, removes it with its items', async () => {
    const sdk = sdkFor(`multi-${h.tag}`);
    const basketId = (await sdk.createBasket({ body: {} })).basketId!;
    const before = { red: await reserved(setup.red), socks: await reserved(setup.socks), blue: await reserved(setup.blue) };
    const added = await sdk.addItemToBasket({
      parameters: { basketId },
      body: [
        { productId: setup.red, quantity: 1 },
        { productId: setup.socks, quantity: 2 },
        { productId: setup.blue, quantity: 1 },
      ],
    });
    const [, socks, blue] = added.productItems!;
    // use-shipment-operations.js createShipment(address, {shippingMethodId}): a client-chosen id.
    const created = await sdk.createShipmentForBasket({
      parameters: { basketId },
      body: { shipmentId: 'shipment_V1StGXR8_Z5jdHi6B', shippingAddress: cleanAddressForOrder(office), shippingMethod: { id: 'standard' } },
    });
    expect(created.shipments!.map((s) => s.shipmentId)).toEqual(['me', 'shipment_V1StGXR8_Z5jdHi6B']);
    const second = 'shipment_V1StGXR8_Z5jdHi6B';
    expect(created.shipments![1]).toMatchObject({ shippingAddress: { city: 'Cambridge' }, shippingMethod: { id: 'standard' }, shipmentNo: '00000002' });
    // An empty shipment beside `me` ships nothing: no flash for it, no charge.
    expect(created.shipments![1]!.shippingTotal).toBe(0);
    expect((created.flash ?? []).filter((f: { path?: string }) => f.path?.startsWith('$.shipments[1]'))).toEqual([]);

    // use-item-shipment-management.js updateItemToDeliveryShipment (no inventoryId): one item.
    const one = await sdk.updateItemInBasket({
      parameters: { basketId, itemId: socks!.itemId! },
      body: { productId: socks!.productId, quantity: socks!.quantity, shipmentId: second },
    });
    expect(one.productItems!.map((i) => [i.productId, i.shipmentId])).toEqual([
      [setup.red, 'me'],
      [setup.socks, second],
      [setup.blue, 'me'],
    ]);
    // updateItemsToDeliveryShipment: many in one mutation.
    const many = await sdk.updateItemsInBasket({
      parameters: { basketId },
      body: [
        { itemId: blue!.itemId!, productId: blue!.productId, quantity: blue!.quantity, shipmentId: second },
        { itemId: socks!.itemId!, productId: socks!.productId, quantity: socks!.quantity, shipmentId: second },
      ],
    });
    expect(many.productItems!.map((i) => i.shipmentId)).toEqual(['me', second, second]);

    // `me`: red 30.00, no method yet. `second`: socks 16.00 + blue 64.00 = 80.00 ≥ 50.00 → Standard free.
    const [me, other] = many.shipments!;
    expect([me!.productTotal, me!.shippingTotal, other!.productTotal, other!.shippingTotal]).toEqual([30, 0, 80, 0]);
    // Flashes per shipment: `me` needs an address and a method; the second has both.
    const paths = (many.flash ?? []).map((f: { type: string; path?: string }) => `${f.type} ${f.path}`);
    expect(paths).toEqual(
      expect.arrayContaining(['ShippingAddressRequired $.shipments[0].shippingAddress', 'ShippingMethodRequired $.shipments[0].shippingMethod']),
    );
    expect(paths.filter((p: string) => p.includes('$.shipments[1]'))).toEqual([]);
    expect(paths).toContain('OrderTotalNotSet $.orderTotal');

    // use-shipment-operations.js updateShipmentAddress + updateShippingMethod on `me`.
    await sdk.updateShipmentForBasket({ parameters: { basketId, shipmentId: 'me' }, body: { shippingAddress: cleanAddressForOrder(home) } });
    const priced = await sdk.updateShippingMethodForShipment({ parameters: { basketId, shipmentId: 'me' }, body: { id: 'standard' } });
    // `me` pays Standard (30.00 < 50.00): 5.00; the basket's totals are the shipments' sums.
    expect(priced.shipments!.map((s) => [s.shipmentId, s.productTotal, s.shippingTotal, s.shipmentTotal])).toEqual([
      ['me', 30, 5, 35],
      [second, 80, 0, 80],
    ]);
    expect([priced.productTotal, priced.shippingTotal, priced.orderTotal]).toEqual([110, 5, 115]);
    expect(priced.shippingItems!.map((i) => [i.shipmentId, i.price])).toEqual([
      ['me', 5],
      [second, 0],
    ]);
    expect((priced.flash ?? []).filter((f: { type: string }) => f.type.startsWith('Shipping') || f.type === 'OrderTotalNotSet')).toEqual([]);
    // Each shipment's shipping methods are quoted on its own products.
    const forSecond = await sdk.getShippingMethodsForShipment({ parameters: { basketId, shipmentId: second } });
    expect(forSecond.applicableShippingMethods!.find((m) => m.id === 'standard')!.price).toBe(0);
    const forMe = await sdk.getShippingMethodsForShipment({ parameters: { basketId, shipmentId: 'me' } });
    expect(forMe.applicableShippingMethods!.find((m) => m.id === 'standard')!.price).toBe(5);

    // OCAPI and the internal snapshot show the same shipments.
    const ocapi = await h.app.inject({
      method: 'GET',
      url: `/s/${setup.siteId}/dw/shop/v23_2/baskets/${basketId}`,
      headers: { authorization: `Bearer ${h.tokens.sign(`multi-${h.tag}`)}` },
    });
    const doc = ocapi.json();
    expect(doc.product_items.map((i: { shipment_id: string }) => i.shipment_id)).toEqual(['me', second, second]);
    expect(doc.shipments.map((s: { shipment_id: string; shipment_total: number }) => [s.shipment_id, s.shipment_total])).toEqual([
      ['me', 35],
      [second, 80],
    ]);
    const internal = (await h.app.inject({ method: 'GET', url: `/admin/baskets/${basketId}`, headers: h.adminHeaders })).json();
    expect(internal.shipments.map((s: { id: string; itemIds: string[] }) => [s.id, s.itemIds.length])).toEqual([
      ['me', 1],
      [second, 2],
    ]);

    // use-shipment-operations.js removeShipment: the shipment goes with its items (SFCC), their units are released.
    const removed = await sdk.removeShipmentFromBasket({ parameters: { basketId, shipmentId: second } });
    expect(removed.shipments!.map((s) => s.shipmentId)).toEqual(['me']);
    expect(removed.productItems!.map((i) => i.productId)).toEqual([setup.red]);
    expect(removed.orderTotal).toBe(35);
    expect([await reserved(setup.red), await reserved(setup.socks), await reserved(setup.blue)]).toEqual([before.red + 1, before.socks, before.blue]);
    await sdk.deleteBasket({ parameters: { basketId } });
  });

  it('the default shipment as pickup and back (use-pickup-shipment.js), a generated id, and what is refused changes nothing', async () => {
    const sdk = sdkFor(`pickup-${h.tag}`);
    const basketId = (await sdk.createBasket({ body: {} })).basketId!;
    await sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: setup.socks, quantity: 1 }] });
    // updatePickupShipment: method, store, and the store's address on `me`.
    const store = { address1: '5 Store Rd', city: 'Boston', countryCode: 'US', firstName: 'Store', lastName: 'Boston', postalCode: '02101', stateCode: 'MA' };
    const pickup = await sdk.updateShipmentForBasket({
      parameters: { basketId, shipmentId: 'me' },
      body: { shippingMethod: { id: 'express' }, c_fromStoreId: 'store-boston', shippingAddress: store },
    });
    expect(pickup.shipments![0]).toMatchObject({
      shipmentId: 'me',
      c_fromStoreId: 'store-boston',
      shippingAddress: { address1: '5 Store Rd' },
      shippingMethod: { id: 'express' },
    });
    // updateDeliveryShipment: `c_fromStoreId: null` removes it, `shippingAddress: {}` clears the address.
    const delivery = await sdk.updateShipmentForBasket({
      parameters: { basketId, shipmentId: 'me' },
      // The app sends a null custom property; the client's body type has no null for it.
      body: { shippingMethod: { id: 'standard' }, c_fromStoreId: null as unknown as string, shippingAddress: {} },
    });
    expect(delivery.shipments![0]!.c_fromStoreId).toBeUndefined();
    expect(delivery.shipments![0]!.shippingAddress).toBeUndefined();
    expect(delivery.shipments![0]!.shippingMethod!.id).toBe('standard');

    // No id given: one is made; the same id again is refused.
    const generated = await sdk.createShipmentForBasket({ parameters: { basketId }, body: {} });
    const made = generated.shipments![1]!.shipmentId!;
    expect(made).toMatch(/^shipment_[A-Za-z0-9_-]+$/);
    const version = (await sdk.getBasket({ parameters: { basketId } })).shipments!.length;
    expect((await errorOf(sdk.createShipmentForBasket({ parameters: { basketId }, body: { shipmentId: made } }))).status).toBe(400);
    // Unknown shipments: 404; `me` cannot be removed: 403; a bad body: 400 — and nothing changed.
    expect((await errorOf(sdk.updateShipmentForBasket({ parameters: { basketId, shipmentId: 'nope' }, body: { gift: true } }))).status).toBe(404);
    expect((await errorOf(sdk.removeShipmentFromBasket({ parameters: { basketId, shipmentId: 'nope' } }))).status).toBe(404);
    const me = await errorOf(sdk.removeShipmentFromBasket({ parameters: { basketId, shipmentId: 'me' } }));
    expect([me.status, me.body.title]).toEqual([403, 'Default Shipment Deletion Forbidden']);
    const bad = await errorOf(
      sdk.updateShipmentForBasket({ parameters: { basketId, shipmentId: made }, body: { shippingMethod: { id: 'standard' }, colour: 'red' } as never }),
    );
    expect(bad.status).toBe(400);
    const wrongMethod = await errorOf(
      sdk.updateShipmentForBasket({ parameters: { basketId, shipmentId: made }, body: { shippingMethod: { id: 'teleport' } } }),
    );
    expect(wrongMethod.status).toBe(400);
    const item = (await sdk.getBasket({ parameters: { basketId } })).productItems![0]!;
    expect((await errorOf(sdk.updateItemInBasket({ parameters: { basketId, itemId: item.itemId! }, body: { shipmentId: 'nope' } }))).status).toBe(404);
    // An inventoryId the site does not have (use-item-shipment-management.js updateItemToPickupShipment's field): refused, never dropped.
    const pickupItem = await errorOf(
      sdk.updateItemInBasket({
        parameters: { basketId, itemId: item.itemId! },
        body: { productId: item.productId, quantity: item.quantity, shipmentId: made, inventoryId: 'inventory_store_boston' },
      }),
    );
    expect(pickupItem.status).toBe(400);
    const after = await sdk.getBasket({ parameters: { basketId } });
    expect(after.shipments!.length).toBe(version);
    expect(after.shipments![1]!.shippingMethod).toBeUndefined();
    expect(after.productItems!.map((i) => i.shipmentId)).toEqual(['me']);
    await sdk.deleteBasket({ parameters: { basketId } });
  });

  it('OCAPI speaks the same shipments in its own spelling', async () => {
    const sub = `ocapi-${h.tag}`;
    const headers = { authorization: `Bearer ${h.tokens.sign(sub)}`, 'content-type': 'application/json' };
    const base = `/s/${setup.siteId}/dw/shop/v23_2/baskets`;
    const basketId = (await h.app.inject({ method: 'POST', url: base, headers, payload: {} })).json().basket_id as string;
    const created = await h.app.inject({
      method: 'POST',
      url: `${base}/${basketId}/shipments`,
      headers,
      payload: {
        shipment_id: 'gift-box',
        shipping_address: { first_name: 'Bo', address1: '2 Side St', city: 'Boston', country_code: 'US' },
        gift: true,
        gift_message: 'Enjoy',
        c_wrap: 'red',
      },
    });
    expect(created.statusCode, created.body).toBe(200);
    const added = await h.app.inject({
      method: 'POST',
      url: `${base}/${basketId}/items`,
      headers,
      payload: [{ product_id: setup.socks, quantity: 1, shipment_id: 'gift-box' }],
    });
    const doc = added.json();
    expect(doc.product_items.map((i: { shipment_id: string }) => i.shipment_id)).toEqual(['gift-box']);
    expect(doc.shipments[1]).toMatchObject({ _type: 'shipment', shipment_id: 'gift-box', gift: true, gift_message: 'Enjoy', c_wrap: 'red', product_total: 8 });
    // `me` now carries nothing beside `gift-box`: no flash for it; `gift-box` needs its method.
    const paths = doc.flash.map((f: { type: string; path: string }) => `${f.type} ${f.path}`);
    expect(paths).toContain('ShippingMethodRequired $.shipments[1].shipping_method');
    expect(paths.filter((p: string) => p.includes('$.shipments[0]'))).toEqual([]);
    const me = await h.app.inject({ method: 'DELETE', url: `${base}/${basketId}/shipments/me`, headers });
    expect([me.statusCode, me.json().fault.type]).toEqual([403, 'DefaultShipmentDeletionForbiddenException']);
    const dup = await h.app.inject({ method: 'POST', url: `${base}/${basketId}/shipments`, headers, payload: { shipment_id: 'gift-box' } });
    expect([dup.statusCode, dup.json().fault.type]).toEqual([400, 'InvalidShipmentIdException']);
  });

  it('concurrent moves, shipment removals and adds keep every held unit accounted for', async () => {
    const rounds = 6;
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const sdk = sdkFor(`race-${i}-${h.tag}`);
        const basketId = (await sdk.createBasket({ body: {} })).basketId!;
        const added = await sdk.addItemToBasket({
          parameters: { basketId },
          body: [
            { productId: setup.socks, quantity: 1 },
            { productId: setup.red, quantity: 1 },
          ],
        });
        await sdk.createShipmentForBasket({ parameters: { basketId }, body: { shipmentId: 'second' } });
        const [socks, red] = added.productItems!;
        // Racing on one basket: moves into `second`, an add into it, its removal (with whatever it holds then), a move back.
        const calls: Promise<unknown>[] = [
          sdk.updateItemInBasket({ parameters: { basketId, itemId: socks!.itemId! }, body: { shipmentId: 'second', quantity: 2 } }),
          sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: setup.blue, quantity: 1, shipmentId: 'second' }] }),
          sdk.updateItemsInBasket({ parameters: { basketId }, body: [{ itemId: red!.itemId!, shipmentId: 'second' }] }),
          sdk.removeShipmentFromBasket({ parameters: { basketId, shipmentId: 'second' } }),
          sdk.updateItemInBasket({ parameters: { basketId, itemId: red!.itemId! }, body: { shipmentId: 'me' } }),
        ];
        // Some are refused (the shipment or the item is gone by then); none may fail otherwise.
        const outcomes = await Promise.allSettled(calls);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect([400, 404]).toContain((o.reason as ResponseError).response.status);
        }
        // What the basket shows is what it holds.
        const basket = await sdk.getBasket({ parameters: { basketId } });
        const shipments = new Set(basket.shipments!.map((x) => x.shipmentId));
        for (const item of basket.productItems ?? []) expect(shipments.has(item.shipmentId)).toBe(true);
        const { rows } = await sql<{ sku: string; quantity: number }>`select sku, quantity from reservations where basket_id = ${basketId}`.execute(h.res.db);
        const held = Object.fromEntries(rows.filter((r) => r.quantity > 0).map((r) => [r.sku, r.quantity]));
        const wanted: Record<string, number> = {};
        for (const item of basket.productItems ?? []) wanted[item.productId!] = (wanted[item.productId!] ?? 0) + item.quantity!;
        expect(held).toEqual(wanted);
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
  });
});
