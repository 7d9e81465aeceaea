/** Stores of a site (store pickup): each names its own stock list, stocked through the stock-list feed. */
import type { Store } from '../domain/types.js';
import type { Db, StoreTable } from './database.js';
import { ensureStockList } from './catalog.repository.js';

/** A store as the admin feed gives it: the table's columns but its keys and bookkeeping. */
export type StoreInput = Omit<StoreTable, 'site_id' | 'id' | 'updated_at'>;

interface StoreRow extends StoreInput {
  id: string;
}

export function toStore(r: StoreRow): Store {
  return {
    id: r.id,
    name: r.name,
    stockList: r.stock_list,
    address1: r.address1,
    city: r.city,
    postalCode: r.postal_code,
    stateCode: r.state_code,
    countryCode: r.country_code,
    phone: r.phone,
  };
}

const COLUMNS = ['id', 'name', 'stock_list', 'address1', 'city', 'postal_code', 'state_code', 'country_code', 'phone'] as const;

/** Creates or replaces a store (its stock list is created empty when missing); null when there is no such site. */
export async function upsertStore(db: Db, siteId: string, id: string, input: StoreInput): Promise<Store | null> {
  return db.transaction().execute(async (trx) => {
    const site = await trx.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst();
    if (!site) return null;
    await ensureStockList(trx, input.stock_list);
    const row = await trx
      .insertInto('stores')
      .values({ site_id: siteId, id, ...input })
      .onConflict((oc) => oc.columns(['site_id', 'id']).doUpdateSet({ ...input, updated_at: new Date() }))
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toStore(row);
  });
}

export async function findStore(db: Db, siteId: string, id: string): Promise<Store | null> {
  const row = await db.selectFrom('stores').select(COLUMNS).where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
  return row ? toStore(row) : null;
}

/** The site's stores named by id, or whose stock list is named (a mutation's, see apply-mutation). */
export async function storesNamed(db: Db, siteId: string, ids: readonly string[], stockLists: readonly string[]): Promise<Map<string, Store>> {
  if (ids.length === 0 && stockLists.length === 0) return new Map();
  const rows = await db
    .selectFrom('stores')
    .select(COLUMNS)
    .where('site_id', '=', siteId)
    .where((eb) => eb.or([eb('id', 'in', ids.length ? [...ids] : ['']), eb('stock_list', 'in', stockLists.length ? [...stockLists] : [''])]))
    .execute();
  return new Map(rows.map((r) => [r.id, toStore(r)]));
}
