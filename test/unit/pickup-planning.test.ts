/** Store pickup, pure: reservation plans per stock list (home and a store's), and what pickup refuses. */
import { describe, expect, it } from 'vitest';
import { planAcrossStockLists, watchedHoldings } from '../../src/domain/reservation.js';
import { pickupRefusal } from '../../src/domain/pickup.js';
import type { Basket, BasketLine, Store } from '../../src/domain/types.js';
import { stockView } from '../support/stock-view.js';

const now = new Date('2026-11-23T10:00:00Z');
const past = new Date('2026-11-23T09:59:00Z');
const later = new Date('2026-11-23T10:05:00Z');
const view = stockView;
const perList = <T>(entries: Record<string, Record<string, T>>) => new Map(Object.entries(entries).map(([list, m]) => [list, new Map(Object.entries(m))]));
const plan = (over: Partial<Parameters<typeof planAcrossStockLists>[0]>) =>
  planAcrossStockLists({ mode: 'hold', desired: new Map(), increased: new Map(), stock: new Map(), now, ttlSeconds: 600, ...over });

describe('planAcrossStockLists', () => {
  it('plans each stock list on its own stock: the same SKU is held in home and store lists side by side', () => {
    const p = plan({
      desired: perList({ home: { a: 2 }, store: { a: 1 } }),
      increased: new Map([
        ['home', new Set(['a'])],
        ['store', new Set(['a'])],
      ]),
      stock: perList({ home: { a: view('a', { onHand: 2 }) }, store: { a: view('a', { onHand: 1 }) } }),
    });
    expect(p).toMatchObject({
      ok: true,
      items: [
        { stockList: 'home', sku: 'a', have: 0, target: 2 },
        { stockList: 'store', sku: 'a', have: 0, target: 1 },
      ],
      expiresAt: new Date('2026-11-23T10:10:00Z'),
    });
  });

  it("never lets one list's units cover another's: a store short of units refuses, naming the store's list", () => {
    const p = plan({
      desired: perList({ store: { a: 3 } }),
      increased: new Map([['store', new Set(['a'])]]),
      stock: perList({ home: { a: view('a', { onHand: 100 }) }, store: { a: view('a', { onHand: 2 }) } }),
    });
    expect(p).toEqual({ ok: false, stockList: 'store', sku: 'a', requested: 3, available: 2 });
  });

  it('moving a line from home to a store releases the home units and takes the store units in one plan', () => {
    const p = plan({
      desired: perList({ store: { a: 2 } }),
      increased: new Map([['store', new Set(['a'])]]),
      stock: perList({ home: { a: view('a', { reserved: 2, ours: 2, oursExpiresAt: later }) }, store: { a: view('a', { onHand: 5 }) } }),
    });
    expect(p.ok && p.items).toEqual([
      { stockList: 'home', sku: 'a', have: 2, target: 0 },
      { stockList: 'store', sku: 'a', have: 0, target: 2 },
    ]);
  });

  it('flashes short per list: a store line short after expiry leaves the home line of the same SKU alone', () => {
    const p = plan({
      mode: 'expire',
      desired: perList({ home: { a: 1 }, store: { a: 1 } }),
      stock: perList({
        home: { a: view('a', { reserved: 1, ours: 1, oursExpiresAt: later }) },
        store: { a: view('a', { onHand: 1, reserved: 2, ours: 1, oursExpiresAt: past }) },
      }),
    });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect([...p.short]).toEqual([['store', new Set(['a'])]]);
    expect(p.expired).toBe(1);
    expect(p.items).toEqual([
      { stockList: 'home', sku: 'a', have: 1, target: 1 },
      { stockList: 'store', sku: 'a', have: 1, target: 0 },
    ]);
    expect(p.earliestExpiry).toEqual(later);
    expect(watchedHoldings(perList({ home: { a: 1 }, store: { a: 1 } }), p)).toEqual([{ stockList: 'store', sku: 'a', wanted: 1, flashed: true }]);
  });
});

describe('pickupRefusal', () => {
  const stores = new Map<string, Store>([
    [
      'boston',
      { id: 'boston', name: 'Boston', stockList: 'inv-boston', address1: null, city: null, postalCode: null, stateCode: null, countryCode: null, phone: null },
    ],
  ]);
  const line = (itemId: string, inventoryId?: string): BasketLine => ({
    itemId,
    sku: 'a',
    quantity: 1,
    addedUnitPrice: null,
    position: 0,
    attributes: {},
    custom: {},
    ...(inventoryId ? { inventoryId } : {}),
  });
  const basket = (lines: BasketLine[], store?: string): Basket =>
    ({
      id: 'b',
      lines,
      checkout: store ? { defaultShipment: { custom: { c_fromStoreId: store } } } : {},
      shippingMethodId: null,
    }) as unknown as Basket;

  it('accepts an item held in its pickup store, the site list or a store list in a delivery shipment', () => {
    expect(pickupRefusal(null, basket([line('1', 'inv-boston')], 'boston'), 'home', stores)).toBeNull();
    expect(pickupRefusal(null, basket([line('1', 'inv-boston')]), 'home', stores)).toBeNull();
    expect(pickupRefusal(null, basket([line('1', 'home')]), 'home', stores)).toBeNull();
  });

  it('refuses an unknown store, an unknown inventory, and an item of a pickup shipment held in another list', () => {
    expect(pickupRefusal(null, basket([], 'atlantis'), 'home', stores)?.code).toBe('store_not_found');
    expect(pickupRefusal(null, basket([line('1', 'inv-x')]), 'home', stores)?.code).toBe('inventory_list_not_found');
    expect(pickupRefusal(null, basket([line('1', 'home')], 'boston'), 'home', stores)?.code).toBe('inventory_not_of_store');
    // Making the shipment a pickup one while it carries an item of another list.
    expect(pickupRefusal(basket([line('1', 'home')]), basket([line('1', 'home')], 'boston'), 'home', stores)?.code).toBe('inventory_not_of_store');
  });

  it('judges only what changed: a store gone from the feed never blocks a basket that already names it', () => {
    const before = basket([line('1', 'inv-boston')], 'boston');
    const after = basket([line('1', 'inv-boston'), line('2')], 'boston');
    expect(pickupRefusal(before, after, 'home', new Map())).toBeNull();
  });
});
