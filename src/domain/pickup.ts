/**
 * Store pickup, as PWA Kit's Retail React App does it (app/hooks/use-pickup-shipment.js,
 * use-item-shipment-management.js, use-multiship.js): a pickup shipment names its store in the custom
 * property `c_fromStoreId` and carries a method flagged `c_storePickupEnabled`; each item picked up there
 * names the store's stock list as its `inventoryId`, and its units are held in that list. An item moved
 * back to delivery names the site's own list (the app sends the product's default inventory id, since
 * null "doesn't work"). Pure.
 *
 * As in SFCC, an item's inventory is its own (the app adds an item with the store's `inventoryId` to `me`
 * first and makes `me` a pickup shipment right after); what is refused is a contradiction: an item of a
 * pickup shipment held in another list than its store's, a store or inventory the site does not have.
 */
import { shipmentViews } from './shipments.js';
import type { Rejection } from './commands/context.js';
import type { Basket, BasketLine, ShipmentDetails, Store } from './types.js';

/** The custom property naming a pickup shipment's store (the app's spelling). */
export const STORE_PROPERTY = 'c_fromStoreId';

/** The store a shipment names (`c_fromStoreId`), or null. */
export function storeIdOf(shipment: ShipmentDetails): string | null {
  const id = shipment.custom?.[STORE_PROPERTY];
  return typeof id === 'string' ? id : null;
}

/** The stock list holding a line's units. */
export function stockListOf(line: Pick<BasketLine, 'inventoryId'>, homeStockList: string): string {
  return line.inventoryId ?? homeStockList;
}

/**
 * Refuses a result that names an unknown store or inventory, or puts an item of a pickup shipment in
 * another list than its store's. Only what the mutation changed is judged (a line whose inventory or
 * shipment changed, a shipment whose store changed), so a store removed from the feed later never blocks
 * unrelated changes of a basket that still names it.
 */
export function pickupRefusal(before: Basket | null, after: Basket, homeStockList: string, stores: ReadonlyMap<string, Store>): Rejection | null {
  const shipmentsBefore = before ? shipmentViews(before) : [];
  const shipmentsAfter = shipmentViews(after);
  const shipmentOf = (views: typeof shipmentsAfter, itemId: string) => views.find((s) => s.itemIds.includes(itemId));
  const knownList = (list: string) => list === homeStockList || [...stores.values()].some((s) => s.stockList === list);

  for (const shipment of shipmentsAfter) {
    const storeId = storeIdOf(shipment);
    const was = shipmentsBefore.find((s) => s.id === shipment.id);
    if (storeId === null || (was !== undefined && storeIdOf(was) === storeId)) continue;
    const store = stores.get(storeId);
    if (!store) return { code: 'store_not_found', message: `No store '${storeId}' on this site (shipment '${shipment.id}', c_fromStoreId).` };
    for (const itemId of shipment.itemIds) {
      const line = after.lines.find((l) => l.itemId === itemId)!;
      if (line.inventoryId !== undefined && line.inventoryId !== store.stockList) return notOfStore(line, store, shipment.id);
    }
  }
  for (const line of after.lines) {
    const earlier = before?.lines.find((l) => l.itemId === line.itemId);
    const shipment = shipmentOf(shipmentsAfter, line.itemId)!;
    const moved = earlier === undefined || earlier.inventoryId !== line.inventoryId || shipmentOf(shipmentsBefore, line.itemId)?.id !== shipment.id;
    if (!moved || line.inventoryId === undefined) continue;
    if (!knownList(line.inventoryId)) {
      return { code: 'inventory_list_not_found', message: `No inventory '${line.inventoryId}' on this site (product item '${line.itemId}', inventoryId).` };
    }
    const storeId = storeIdOf(shipment);
    const store = storeId === null ? undefined : stores.get(storeId);
    if (store && line.inventoryId !== store.stockList) return notOfStore(line, store, shipment.id);
  }
  return null;
}

function notOfStore(line: BasketLine, store: Store, shipmentId: string): Rejection {
  return {
    code: 'inventory_not_of_store',
    message: `Product item '${line.itemId}' names inventory '${line.inventoryId}', but shipment '${shipmentId}' is picked up at store '${store.id}', whose inventory is '${store.stockList}'.`,
  };
}
