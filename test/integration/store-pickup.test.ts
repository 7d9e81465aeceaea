/**
 * Store pickup as PWA Kit's Retail React App 10.x does it, through the official `ShopperBasketsV2`
 * client with the bodies its hooks build: `use-pickup-shipment.js` (getPickupShippingMethodId reads a
 * method's `c_storePickupEnabled`; updatePickupShipment sends the method, `c_fromStoreId` and
 * getShippingAddressForStore's address; addInventoryIdsToPickupItems adds `inventoryId` to the items
 * added), `use-item-shipment-management.js` (updateItemToPickupShipment / updateItemToDeliveryShipment /
 * updateItemsToPickupShipment, the last two sending the site's default inventory id for delivery) and
 * `use-shipment-operations.js` createShipment with `c_fromStoreId`. Units of pickup items are held in
 * the store's stock list; every count is checked in SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { ResponseError} from 'commerce-sdk-isomorphic';
import { ShopperBasketsV2 } from 'commerce-sdk-isomorphic';
import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness.js';
import { storefrontSite, type FlowSetup } from '../support/pwa-kit-flow.js';
import { sweepExpiredReservations } from '../../src/application/sweep-expired-reservations.js';
import { errorOf } from '../support/pwa-kit-flow.js';

/** A store as the app's store locator has it (`id`, `inventoryId`, address fields). */
interface StoreInfo {
  id: string;
  name: string;
  inventoryId: string;
  address1: string;
  city: string;
  countryCode: string;
  postalCode: string;
  stateCode: string;
  phone: string;
}

/** The app's getShippingAddressForStore (utils/address-utils.js). */
const getShippingAddressForStore = (s: StoreInfo) => ({
  address1: s.address1,
  city: s.city,
  countryCode: s.countryCode,
  firstName: s.name,
  lastName: 'pickup',
  phone: s.phone,
  postalCode: s.postalCode,
  stateCode: s.stateCode,
});

interface Site {
  h: Harness;
  setup: FlowSetup;
  boston: StoreInfo;
  cambridge: StoreInfo;
}

/** A storefront site with a pickup method and two stores, each stocked in its own list. */
async function pickupSite(h: Harness): Promise<Site> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const setup = await storefrontSite(h, `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`);
  const put = async (url: string, payload: object) => {
    const r = await h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const method = await put(`/admin/sites/${setup.siteId}/shipping-methods/005`, { name: 'Pick up in store', price: '0', tax_rate: '0.2', store_pickup: true });
  expect(method.store_pickup).toBe(true);
  const address = { address1: '5 Store Rd', city: 'Boston', country_code: 'US', postal_code: '02101', state_code: 'MA', phone: '555-0100' };
  const store = async (id: string, name: string): Promise<StoreInfo> => {
    const doc = await put(`/admin/sites/${setup.siteId}/stores/${id}`, { name, stock_list: `${setup.stockList}-${id}`, ...address });
    expect(doc).toMatchObject({ id, name, stock_list: `${setup.stockList}-${id}`, city: 'Boston' });
    return {
      id,
      name,
      inventoryId: doc.stock_list,
      address1: '5 Store Rd',
      city: 'Boston',
      countryCode: 'US',
      postalCode: '02101',
      stateCode: 'MA',
      phone: '555-0100',
    };
  };
  const boston = await store('boston', 'Boston Store');
  const cambridge = await store('cambridge', 'Cambridge Store');
  // Stores' lists get stock through the stock feed like any list.
  await put(`/admin/stock-lists/${boston.inventoryId}`, {
    stocks: [
      { sku: setup.red, quantity: 3 },
      { sku: setup.socks, quantity: 5 },
    ],
  });
  await put(`/admin/stock-lists/${cambridge.inventoryId}`, { stocks: [{ sku: setup.red, quantity: 1 }] });
  return { h, setup, boston, cambridge };
}

const sdkFor = (s: Site, sub: string) =>
  new ShopperBasketsV2({
    parameters: { organizationId: 'f_ecom_zzrf_001', siteId: s.setup.siteId, shortCode: 'local' },
    proxy: s.setup.origin,
    headers: { authorization: `Bearer ${s.h.tokens.sign(sub)}` },
    throwOnBadResponse: true,
  });

/** Per stock list: on hand, the counter, and the sum of the holding rows (never oversold: reserved ≤ on hand). */
async function stockIn(h: Harness, list: string, sku: string): Promise<{ onHand: number; reserved: number; held: number }> {
  const { rows } = await sql<{ on_hand: number; reserved: number; held: number }>`
    select s.on_hand, s.reserved, (select coalesce(sum(r.quantity), 0)::int from reservations r where r.stock_list = s.stock_list and r.sku = s.sku) as held
    from stocks s where s.stock_list = ${list} and s.sku = ${sku}`.execute(h.res.db);
  const r = rows[0]!;
  return { onHand: r.on_hand, reserved: r.reserved, held: r.held };
}

describe("PWA Kit's store pickup through ShopperBasketsV2", () => {
  let s: Site;
  beforeAll(async () => {
    s = await pickupSite(await startHarness());
  });
  afterAll(async () => s?.h.close());

  it('adds pickup items held in the store, makes `me` a pickup shipment, moves items between delivery and pickup moving their holdings', async () => {
    const { setup, boston } = s;
    const sdk = sdkFor(s, `pickup-${s.h.tag}`);
    const home = async () => (await stockIn(s.h, setup.stockList, setup.red)).reserved;
    const store = async () => (await stockIn(s.h, boston.inventoryId, setup.red)).reserved;
    const [home0, store0] = [await home(), await store()];
    const basketId = (await sdk.createBasket({ body: {} })).basketId!;

    // getPickupShippingMethodId: the applicable method with `c_storePickupEnabled === true`.
    const methods = await sdk.getShippingMethodsForShipment({ parameters: { basketId, shipmentId: 'me' } });
    const pickupMethod = methods.applicableShippingMethods!.find((m) => (m as { c_storePickupEnabled?: boolean }).c_storePickupEnabled === true);
    expect(pickupMethod?.id).toBe('005');
    expect(methods.applicableShippingMethods!.filter((m) => (m as { c_storePickupEnabled?: boolean }).c_storePickupEnabled)).toHaveLength(1);

    // product-detail handleAddToCart with pickup: addInventoryIdsToPickupItems, shipmentId 'me'.
    const added = await sdk.addItemToBasket({
      parameters: { basketId },
      body: [{ productId: setup.red, quantity: 2, inventoryId: boston.inventoryId, shipmentId: 'me' }],
    });
    expect(added.productItems![0]).toMatchObject({ productId: setup.red, inventoryId: boston.inventoryId, shipmentId: 'me' });
    expect([await home(), await store()]).toEqual([home0, store0 + 2]);

    // updateDefaultShipmentIfNeeded → updatePickupShipment.
    const pickup = await sdk.updateShipmentForBasket({
      parameters: { basketId, shipmentId: 'me' },
      body: { shippingMethod: { id: pickupMethod!.id! }, c_fromStoreId: boston.id, shippingAddress: getShippingAddressForStore(boston) },
    });
    expect(pickup.shipments![0]).toMatchObject({
      shipmentId: 'me',
      c_fromStoreId: boston.id,
      shippingMethod: { id: '005', c_storePickupEnabled: true },
      shippingAddress: { firstName: 'Boston Store', lastName: 'pickup', city: 'Boston' },
      shippingTotal: 0,
    });
    // Priced like any method: 0.00 shipping.
    expect([pickup.productTotal, pickup.shippingTotal, pickup.orderTotal]).toEqual([60, 0, 60]);

    // A delivery shipment (use-shipment-operations.js createShipment) and an item delivered from home stock.
    const delivery = 'shipment_deliveryA1';
    await sdk.createShipmentForBasket({ parameters: { basketId }, body: { shipmentId: delivery, shippingMethod: { id: 'standard' } } });
    const red = pickup.productItems![0]!;

    // updateItemToDeliveryShipment: the item names the site's default inventory; its 2 units move home.
    const delivered = await sdk.updateItemInBasket({
      parameters: { basketId, itemId: red.itemId! },
      body: { productId: red.productId, quantity: red.quantity, shipmentId: delivery, inventoryId: setup.stockList },
    });
    expect(delivered.productItems![0]).toMatchObject({ shipmentId: delivery, inventoryId: setup.stockList });
    expect([await home(), await store()]).toEqual([home0 + 2, store0]);

    // updateItemsToPickupShipment: back to the store, in one mutation.
    const back = await sdk.updateItemsInBasket({
      parameters: { basketId },
      body: [{ itemId: red.itemId!, productId: red.productId, quantity: 2, shipmentId: 'me', inventoryId: boston.inventoryId }],
    });
    expect(back.productItems![0]).toMatchObject({ shipmentId: 'me', inventoryId: boston.inventoryId });
    expect([await home(), await store()]).toEqual([home0, store0 + 2]);

    // Refused, and nothing changes: more than the store has (3), an unknown inventory, an inventory other
    // than the pickup store's, an unknown store.
    const version = async () => (await sql<{ version: number }>`select version from baskets where id = ${basketId}`.execute(s.h.res.db)).rows[0]!.version;
    const v = await version();
    const short = await errorOf(
      sdk.updateItemInBasket({
        parameters: { basketId, itemId: red.itemId! },
        body: { productId: red.productId, quantity: 4, shipmentId: 'me', inventoryId: boston.inventoryId },
      }),
    );
    expect([short.status, short.body.type]).toEqual([409, expect.stringContaining('product-item-not-available')]);
    const unknown = await errorOf(
      sdk.updateItemInBasket({ parameters: { basketId, itemId: red.itemId! }, body: { shipmentId: 'me', inventoryId: 'no-such-inventory' } }),
    );
    expect(unknown.status).toBe(400);
    const wrongStore = await errorOf(
      sdk.updateItemInBasket({ parameters: { basketId, itemId: red.itemId! }, body: { shipmentId: 'me', inventoryId: s.cambridge.inventoryId } }),
    );
    expect([wrongStore.status, wrongStore.body.detail]).toEqual([400, expect.stringContaining("picked up at store 'boston'")]);
    const homeInPickup = await errorOf(
      sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: setup.socks, quantity: 1, shipmentId: 'me', inventoryId: setup.stockList }] }),
    );
    expect(homeInPickup.status).toBe(400);
    const noStore = await errorOf(
      sdk.createShipmentForBasket({ parameters: { basketId }, body: { shipmentId: 'shipment_x', shippingMethod: { id: '005' }, c_fromStoreId: 'atlantis' } }),
    );
    expect(noStore.status).toBe(400);
    // A store whose inventory is not the one its items name.
    const otherStore = await errorOf(sdk.updateShipmentForBasket({ parameters: { basketId, shipmentId: 'me' }, body: { c_fromStoreId: s.cambridge.id } }));
    expect(otherStore.status).toBe(400);
    expect(await version()).toBe(v);
    expect([await home(), await store()]).toEqual([home0, store0 + 2]);

    // use-multiship.js createNewPickupShipment: a second pickup shipment for another store, created with
    // `c_fromStoreId`; its item takes that store's only unit of red.
    const second = await sdk.createShipmentForBasket({
      parameters: { basketId },
      body: {
        shipmentId: 'shipment_pickupC',
        shippingAddress: getShippingAddressForStore(s.cambridge),
        shippingMethod: { id: '005' },
        c_fromStoreId: s.cambridge.id,
      },
    });
    expect(second.shipments!.find((x) => x.shipmentId === 'shipment_pickupC')).toMatchObject({
      c_fromStoreId: s.cambridge.id,
      shippingMethod: { c_storePickupEnabled: true },
    });
    await sdk.addItemToBasket({
      parameters: { basketId },
      body: [{ productId: setup.red, quantity: 1, shipmentId: 'shipment_pickupC', inventoryId: s.cambridge.inventoryId }],
    });
    expect(await stockIn(s.h, s.cambridge.inventoryId, setup.red)).toMatchObject({ reserved: 1, held: 1 });

    // OCAPI reads the same basket in its spelling.
    const headers = { authorization: `Bearer ${s.h.tokens.sign(`pickup-${s.h.tag}`)}` };
    const doc = (await s.h.app.inject({ method: 'GET', url: `/s/${setup.siteId}/dw/shop/v23_2/baskets/${basketId}`, headers })).json();
    expect(doc.product_items.map((i: { inventory_id?: string }) => i.inventory_id)).toEqual([boston.inventoryId, s.cambridge.inventoryId]);
    expect(doc.shipments[0].shipping_method).toMatchObject({ id: '005', c_storePickupEnabled: true });

    // Holdings in the stores' lists never stop the site's own settings from being saved again.
    const site = await s.h.app.inject({
      method: 'PUT',
      url: `/admin/sites/${setup.siteId}`,
      headers: s.h.adminHeaders,
      payload: { currency: 'USD', price_list: setup.stockList, stock_list: setup.stockList, default_shipping_method_id: 'standard' },
    });
    expect(site.statusCode, site.body).toBe(200);

    // Deleting the basket gives every list its units back.
    await sdk.deleteBasket({ parameters: { basketId } });
    expect([await home(), await store()]).toEqual([home0, store0]);
    expect(await stockIn(s.h, s.cambridge.inventoryId, setup.red)).toMatchObject({ reserved: 0, held: 0 });
  });

  it('many baskets racing for one SKU in the home list and a store list never oversell either', async () => {
    const { setup, boston } = s;
    const sku = setup.socks;
    // Five units in each list; each basket asks for one of each, or only the store's.
    const put = async (list: string) =>
      expect(
        (await s.h.app.inject({ method: 'PUT', url: `/admin/stock-lists/${list}`, headers: s.h.adminHeaders, payload: { stocks: [{ sku, quantity: 5 }] } }))
          .statusCode,
      ).toBe(200);
    await put(setup.stockList);
    await put(boston.inventoryId);
    const homeBefore = await stockIn(s.h, setup.stockList, sku);
    const storeBefore = await stockIn(s.h, boston.inventoryId, sku);
    const freeHome = homeBefore.onHand - homeBefore.reserved;
    const freeStore = storeBefore.onHand - storeBefore.reserved;
    const shoppers = Array.from({ length: 16 }, (_, i) => sdkFor(s, `race-${i}-${s.h.tag}`));
    const baskets = await Promise.all(shoppers.map(async (sdk) => (await sdk.createBasket({ body: {} })).basketId!));
    const outcomes = await Promise.all(
      shoppers.map(async (sdk, i) => {
        const body =
          i % 2 === 0
            ? [
                { productId: sku, quantity: 1, inventoryId: boston.inventoryId },
                { productId: sku, quantity: 1 },
              ]
            : [{ productId: sku, quantity: 1, inventoryId: boston.inventoryId }];
        return sdk.addItemToBasket({ parameters: { basketId: baskets[i]! }, body }).then(
          (b) => b.productItems!.map((x) => x.inventoryId ?? 'home'),
          (e: ResponseError) => e.response.status,
        );
      }),
    );
    // Only 409s (not available) are refusals; nothing else failed.
    expect(outcomes.filter((o) => typeof o === 'number').every((o) => o === 409)).toBe(true);
    const won = outcomes.filter((o): o is string[] => Array.isArray(o));
    const storeWon = won.filter((o) => o.includes(boston.inventoryId)).length;
    const homeWon = won.filter((o) => o.includes('home')).length;
    expect(storeWon).toBe(Math.min(freeStore, 16));
    expect(homeWon).toBeLessThanOrEqual(freeHome);
    const home = await stockIn(s.h, setup.stockList, sku);
    const store = await stockIn(s.h, boston.inventoryId, sku);
    // Never oversold, and each counter equals the sum of its list's holding rows.
    expect(store).toEqual({ onHand: 5, reserved: storeBefore.reserved + storeWon, held: storeBefore.reserved + storeWon });
    expect(store.reserved).toBeLessThanOrEqual(store.onHand);
    expect(home).toEqual({ onHand: 5, reserved: homeBefore.reserved + homeWon, held: homeBefore.reserved + homeWon });
    expect(home.reserved).toBeLessThanOrEqual(home.onHand);
    // Per basket, what it holds in each list is what its lines say.
    const { rows } = await sql<{ bad: number }>`
      select count(*)::int as bad from (
        select l.basket_id, coalesce(l.inventory_id, ${setup.stockList}) as list, l.sku, sum(l.quantity) as q
        from basket_lines l where l.basket_id = any(${baskets}::uuid[]) group by 1, 2, 3) w
      full join (select basket_id, stock_list, sku, quantity from reservations where basket_id = any(${baskets}::uuid[])) r
        on r.basket_id = w.basket_id and r.stock_list = w.list and r.sku = w.sku
      where coalesce(w.q, 0) <> coalesce(r.quantity, 0)`.execute(s.h.res.db);
    expect(rows[0]!.bad).toBe(0);
    await Promise.all(shoppers.map((sdk, i) => sdk.deleteBasket({ parameters: { basketId: baskets[i]! } })));
    expect((await stockIn(s.h, boston.inventoryId, sku)).reserved).toBe(storeBefore.reserved);
    expect((await stockIn(s.h, setup.stockList, sku)).reserved).toBe(homeBefore.reserved);
  });
});

describe('a sign-in merge', () => {
  let s: Site;
  beforeAll(async () => {
    s = await pickupSite(await startHarness());
  });
  afterAll(async () => s?.h.close());

  it("moves the guest's store holdings to the signed-in basket with its pickup line (mergeBasket, as the app signs in)", async () => {
    const { setup, boston } = s;
    const guest = `merge-guest-${s.h.tag}`;
    const customer = `merge-customer-${s.h.tag}`;
    const g = sdkFor(s, guest);
    const gid = (await g.createBasket({ body: {} })).basketId!;
    await g.addItemToBasket({ parameters: { basketId: gid }, body: [{ productId: setup.socks, quantity: 2, inventoryId: boston.inventoryId }] });
    await g.addItemToBasket({ parameters: { basketId: gid }, body: [{ productId: setup.socks, quantity: 1 }] });
    const store0 = await stockIn(s.h, boston.inventoryId, setup.socks);
    const signedIn = new ShopperBasketsV2({
      parameters: { organizationId: 'f_ecom_zzrf_001', siteId: setup.siteId, shortCode: 'local' },
      proxy: setup.origin,
      headers: { authorization: `Bearer ${s.h.tokens.sign(customer, 'customer', guest)}` },
      throwOnBadResponse: true,
    });
    const merged = await signedIn.mergeBasket({ headers: { 'Content-Type': 'application/json' }, parameters: { createDestinationBasket: true } });
    expect(merged.productItems!.map((i) => [i.productId, i.quantity, i.inventoryId ?? null])).toEqual([
      [setup.socks, 2, boston.inventoryId],
      [setup.socks, 1, null],
    ]);
    const { rows } = await sql<{ basket_id: string; stock_list: string; quantity: number }>`
      select basket_id::text, stock_list, quantity from reservations where basket_id in (${gid}, ${merged.basketId!}) and quantity > 0
      order by stock_list`.execute(s.h.res.db);
    expect(rows.map((r) => [r.basket_id, r.stock_list, r.quantity])).toEqual(
      [
        [merged.basketId!, boston.inventoryId, 2],
        [merged.basketId!, setup.stockList, 1],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    // Nothing was taken twice or lost: the store's counter is unchanged and equals its rows.
    expect(await stockIn(s.h, boston.inventoryId, setup.socks)).toEqual(store0);
  });
});

describe('store holdings expire like home ones', () => {
  let s: Site;
  beforeAll(async () => {
    s = await pickupSite(await startHarness({ RESERVATION_TTL_SECONDS: '1' }));
  });
  afterAll(async () => s?.h.close());

  it('an expired store holding is taken back by another shopper, and the sweep releases the rest and flashes the line', async () => {
    const { setup, cambridge } = s;
    const list = cambridge.inventoryId;
    const a = sdkFor(s, `expire-a-${s.h.tag}`);
    const b = sdkFor(s, `expire-b-${s.h.tag}`);
    const [ia, ib] = [(await a.createBasket({ body: {} })).basketId!, (await b.createBasket({ body: {} })).basketId!];
    const body = [{ productId: setup.red, quantity: 1, inventoryId: list }];
    const held = await a.addItemToBasket({ parameters: { basketId: ia }, body });
    expect(held.productItems![0]!.inventoryId).toBe(list);
    // Cambridge has one red: the second shopper is refused while the first one's hold lasts.
    expect((await errorOf(b.addItemToBasket({ parameters: { basketId: ib }, body }))).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1100));
    await b.addItemToBasket({ parameters: { basketId: ib }, body });
    expect(await stockIn(s.h, list, setup.red)).toEqual({ onHand: 1, reserved: 1, held: 1 });
    // The sweep re-prices the first basket: its store line is not available, it holds nothing.
    const swept = await sweepExpiredReservations({ db: s.h.res.db, lanes: s.h.api.lanes, now: () => new Date() }, 500);
    expect(swept).toBeGreaterThanOrEqual(1);
    let doc = await a.getBasket({ parameters: { basketId: ia } });
    for (let i = 0; i < 100 && !(doc.flash ?? []).some((f: { type: string }) => f.type === 'ProductItemNotAvailable'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      doc = await a.getBasket({ parameters: { basketId: ia } });
    }
    expect((doc.flash ?? []).map((f: { type: string }) => f.type)).toContain('ProductItemNotAvailable');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from reservations where basket_id = ${ia} and quantity > 0`.execute(s.h.res.db);
    expect(rows[0]!.n).toBe(0);
    expect(await stockIn(s.h, list, setup.red)).toEqual({ onHand: 1, reserved: 1, held: 1 });
  });
});
