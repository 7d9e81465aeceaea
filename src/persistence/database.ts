/**
 * Kysely database types and the connection factory. Postgres `numeric` arrives as a string and becomes
 * Money only inside repositories; `bigint` identity columns (small) arrive as JS numbers.
 */
import pg from 'pg';
import type { BasketStatus, MutationStatus, PromotionDiscountType, PromotionKind, RoundingMode, Taxation } from '../domain/enumerations.js';
import { Kysely, PostgresDialect, type ColumnType, type Generated, type Selectable } from 'kysely';

// int8 → number: only identity counters use bigint here, far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Numeric = ColumnType<string, string, string>;
type Json<T> = ColumnType<T, string, string>;

export interface SiteTable {
  id: string;
  currency: string;
  price_list: string;
  stock_list: string;
  taxation: Taxation;
  tax_rounded_at_group: boolean;
  rounding_mode: RoundingMode;
  /** Offered as the default in shipping-method lists (SCAPI defaultShippingMethodId); null: none set. */
  default_shipping_method_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductTable {
  sku: string;
  pk: Generated<number>;
  name: string;
  tax_rate: Numeric;
  online: boolean;
  image: string | null;
  attributes: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface PriceListTable {
  code: string;
  /** Akinon's integer id of the price list. */
  pk: Generated<number>;
  currency: string;
  updated_at: Timestamp;
}

export interface PriceTable {
  price_list: string;
  sku: string;
  price: Numeric;
  retail_price: Numeric | null;
  updated_at: Timestamp;
}

export interface StockListTable {
  code: string;
  /** Akinon's integer id of the stock list. */
  pk: Generated<number>;
  updated_at: Timestamp;
}

export interface StockTable {
  stock_list: string;
  sku: string;
  on_hand: number;
  reserved: ColumnType<number, number | undefined, number>;
  /** Baskets watching this SKU should be re-priced (drained by the expiry sweep). */
  revisit: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

/** A basket that wants units of a SKU it does not hold, or is flashed for it (see the stock-revisits migration). */
export interface StockWatchTable {
  basket_id: string;
  stock_list: string;
  sku: string;
  wanted: number;
  flashed: boolean;
}

export interface BasketTable {
  id: string;
  pk: Generated<number>;
  owner_id: string;
  site_id: string;
  currency: string;
  status: BasketStatus;
  version: number;
  agent_basket: boolean;
  custom: Json<Record<string, unknown>>;
  source_code: string | null;
  checkout: ColumnType<Record<string, unknown>, string | undefined, string>;
  shipping_method_id: string | null;
  adjustments: ColumnType<unknown[], string | undefined, string>;
  coupons: ColumnType<unknown[], string | undefined, string>;
  external_offer_code: string | null;
  product_sub_total: Numeric;
  product_total: Numeric;
  tax_total: Numeric;
  order_total: Numeric;
  /**
   * JSON text of the versioned snapshot, or null (every write since the perf-write-snapshot-once migration):
   * the document is then the `result` of the basket's applied mutation record at `version` (`loadSnapshot`).
   */
  snapshot: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The day of the last change (retention's index; changes at most daily, so basket writes stay HOT). */
  active_on: ColumnType<Date, string | undefined, string>;
}

export interface BasketLineTable {
  basket_id: string;
  item_id: string;
  sku: string;
  quantity: number;
  added_unit_price: Numeric | null;
  position: number;
  attributes: Json<Record<string, unknown>>;
  custom: Json<Record<string, unknown>>;
  gift: Generated<boolean>;
  gift_message: string | null;
  /** The stock list holding the line's units (SCAPI `inventoryId`); null: the site's. */
  inventory_id: Generated<string | null>;
}

export type { MutationStatus } from '../domain/enumerations.js';

export interface MutationTable {
  id: string;
  basket_id: string;
  owner_id: string;
  idempotency_key: string | null;
  request_hash: string | null;
  kind: string;
  payload: Json<unknown>;
  status: MutationStatus;
  error: Json<{ code: string; message: string } | null> | null;
  version: number | null;
  result: Json<unknown> | null;
  enqueued_at: Timestamp;
  finished_at: Timestamp;
}

export interface ShippingMethodTable {
  site_id: string;
  id: string;
  name: string;
  price: Numeric;
  tax_rate: Numeric;
  free_over: Numeric | null;
  /** A store pickup method (`c_storePickupEnabled`). */
  store_pickup: Generated<boolean>;
  updated_at: Timestamp;
}

/** A store of a site: where a pickup shipment's items are picked up, held in its own stock list. */
export interface StoreTable {
  site_id: string;
  id: string;
  name: string;
  address1: string | null;
  city: string | null;
  postal_code: string | null;
  state_code: string | null;
  country_code: string | null;
  phone: string | null;
  stock_list: string;
  updated_at: Generated<Timestamp>;
}

export interface PromotionTable {
  code: string;
  /** Akinon's integer id of the offer (a product's `basket_offers[].pk`). */
  pk: Generated<number>;
  kind: PromotionKind;
  site_id: string | null;
  name: string;
  enabled: boolean;
  starts_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  discount_type: PromotionDiscountType;
  discount_value: Numeric;
  skus: string[] | null;
  min_amount: Numeric | null;
  priority: number;
  exclusive: boolean;
  redemption_limit: number | null;
  redeemed: number;
  updated_at: Timestamp;
}

export interface PaymentMethodTable {
  site_id: string;
  id: string;
  name: string;
  enabled: boolean;
  card_types: ColumnType<string[], string, string>;
  updated_at: Timestamp;
}

export interface ReservationTable {
  basket_id: string;
  stock_list: string;
  sku: string;
  quantity: number;
  expires_at: Timestamp;
}

export interface Database {
  sites: SiteTable;
  products: ProductTable;
  price_lists: PriceListTable;
  prices: PriceTable;
  stock_lists: StockListTable;
  stocks: StockTable;
  baskets: BasketTable;
  basket_lines: BasketLineTable;
  mutations: MutationTable;
  reservations: ReservationTable;
  stock_watch: StockWatchTable;
  shipping_methods: ShippingMethodTable;
  stores: StoreTable;
  promotions: PromotionTable;
  payment_methods: PaymentMethodTable;
}

export type SiteRow = Selectable<SiteTable>;
export type MutationRow = Selectable<MutationTable>;

export type Db = Kysely<Database>;

/** A Kysely handle and the pg pool under it (the hot path runs named prepared statements on the pool). */
export interface DatabaseHandle {
  readonly db: Db;
  readonly pool: pg.Pool;
}

export function openDatabase(url: string, poolSize: number): DatabaseHandle {
  // Bounded waits: a database that stops answering must fail requests (and retry jobs), not hang them.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 15_000,
    lock_timeout: 5_000,
    // Generic plans, always: the hot statements are prepared once per connection (statement.ts) and their
    // custom plans cost more to make than to run (the basket read plans for ~2 ms, runs for ~0.6). Left to
    // itself, PostgreSQL compares costs after five custom plans and in some starts keeps custom-planning
    // the write on every call (0.22–0.34 ms each). The other queries are key lookups that a generic plan
    // serves as well.
    // No JIT: a plan estimated past jit_above_cost compiles its expressions on every execution (milliseconds
    // of backend CPU for statements that run in well under one); none of this service's queries gains from it.
    options: '-c plan_cache_mode=force_generic_plan -c jit=off',
  });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query fails instead.
  pool.on('error', () => undefined);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

export function createDatabase(url: string, poolSize: number): Db {
  return openDatabase(url, poolSize).db;
}
