/**
 * The basket aggregate in PostgreSQL: basket row, its lines, and the mutation record written with them.
 *
 * A mutation costs two named prepared statements (planned once per connection) and no explicit transaction (database round trips set the ceiling,
 * see DESIGN): `loadMutationState` reads everything the pure core needs in one statement, and
 * `writeMutationOutcome` writes basket, lines and mutation record in one statement, guarded by the
 * version it read (optimistic concurrency). The lane already runs one job per basket at a time, so the
 * guard only trips when BullMQ redelivers a stalled job while the first run is still going; the loser
 * retries, sees the mutation record, and answers as a duplicate.
 */
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { prepared, run, type Queryable } from './prepared.js';
import { Money, formatMoney } from '../domain/money.js';
import type { Basket, BasketLine, Catalog, CatalogEntry, Checkout, CouponItem, PaymentMethod, PriceAdjustment, Promotion, ShippingMethod, SitePolicy } from '../domain/types.js';
import type { PlanItem, StockView } from '../domain/reservation.js';
import type { BasketTotals } from '../domain/totals.js';
import type { Rejection } from '../domain/mutations.js';
import type { Database, MutationStatus } from './database.js';
import { toSitePolicy } from './site.repository.js';

export interface RecordedMutation {
  readonly status: MutationStatus;
  readonly error: { code: string; message: string } | null;
  readonly version: number | null;
  readonly result: unknown;
}

export interface MutationState {
  /** The stored basket, whoever owns it; null when there is none. */
  readonly basket: Basket | null;
  readonly pk: number | null;
  /** The basket's site (or, for a basket about to be created, the named site); null if unknown. */
  readonly site: SitePolicy | null;
  /** Catalogue entries for the basket's SKUs and the requested ones, priced by the site's price list. */
  readonly catalog: Catalog;
  /** The outcome already recorded for this mutation id (a redelivered job), or null. */
  readonly recorded: RecordedMutation | null;
  /** Inventory of every SKU the basket has, holds, or the mutation names, in the site's stock list. */
  readonly stock: ReadonlyMap<string, StockView>;
  /** The site's shipping methods by id. */
  readonly shippingMethods: ReadonlyMap<string, ShippingMethod>;
  /** The site's enabled payment methods by id. */
  readonly paymentMethods: ReadonlyMap<string, PaymentMethod>;
  /** The site's campaigns and the promotions the basket's (and the command's) codes name. */
  readonly promotions: readonly Promotion[];
}

interface StateRow {
  id: string | null;
  pk: number | null;
  owner_id: string;
  site_id: string;
  currency: string;
  status: Basket['status'];
  version: number;
  agent_basket: boolean;
  custom: Record<string, unknown>;
  source_code: string | null;
  checkout: Checkout;
  shipping_method_id: string | null;
  adjustments: StoredAdjustment[];
  created_at: Date;
  updated_at: Date;
  s_id: string | null;
  s_currency: string;
  s_price_list: string;
  s_stock_list: string;
  s_taxation: SitePolicy['taxation'];
  s_tax_rounded_at_group: boolean;
  s_rounding_mode: SitePolicy['roundingMode'];
  recorded: RecordedMutation | null;
  lines: { item_id: string; sku: string; quantity: number; added_unit_price: string | null; position: number; attributes: Record<string, unknown>; custom: Record<string, unknown> }[];
  catalog: { sku: string; pk: number; name: string; tax_rate: string; online: boolean; image: string | null; price: string | null; retail_price: string | null }[];
  stock: { sku: string; tracked: boolean; on_hand: number; reserved: number; reclaimable: number; ours: number; ours_expires_at: string | null }[];
  shipping_methods: ShippingMethodRow[];
  payment_methods: { id: string; name: string; card_types: string[] }[];
  promotions: PromotionRow[];
  coupons: CouponItem[];
  external_offer_code: string | null;
}

/** A promotion as the state statement returns it (decimals as text, times as ISO text). */
export interface PromotionRow {
  code: string;
  kind: Promotion['kind'];
  name: string;
  enabled: boolean;
  starts_at: string | Date | null;
  ends_at: string | Date | null;
  discount_type: Promotion['discountType'];
  discount_value: string;
  skus: string[] | null;
  min_amount: string | null;
  priority: number;
  exclusive: boolean;
  redemption_limit: number | null;
  redeemed: number;
}

export function toPromotion(p: PromotionRow): Promotion {
  return {
    code: p.code,
    kind: p.kind,
    name: p.name,
    enabled: p.enabled,
    startsAt: p.starts_at === null ? null : new Date(p.starts_at),
    endsAt: p.ends_at === null ? null : new Date(p.ends_at),
    discountType: p.discount_type,
    discountValue: new Money(p.discount_value),
    skus: p.skus,
    minAmount: p.min_amount === null ? null : new Money(p.min_amount),
    priority: p.priority,
    exclusive: p.exclusive,
    redemptionLimit: p.redemption_limit,
    redeemed: p.redeemed,
  };
}

/** A price adjustment as stored: the value as decimal text. */
type StoredAdjustment = Omit<PriceAdjustment, 'value'> & { value: string };

export interface ShippingMethodRow {
  id: string;
  name: string;
  price: string;
  tax_rate: string;
  free_over: string | null;
}

export function toShippingMethod(m: ShippingMethodRow): ShippingMethod {
  return { id: m.id, name: m.name, price: new Money(m.price), taxRate: new Money(m.tax_rate), freeOver: m.free_over === null ? null : new Money(m.free_over) };
}

const READ_STATE = prepared(
  'basket_mutation_state_v8',
  `with target as (select $1::uuid as id, $2::uuid as mid, $3::text as create_site, $4::text[] as skus, $5::timestamptz as now, $6::text[] as codes)
   select b.id, b.pk, b.owner_id, b.site_id, b.currency, b.status, b.version, b.agent_basket, b.custom, b.source_code, b.checkout, b.shipping_method_id, b.adjustments, b.coupons, b.external_offer_code, b.created_at, b.updated_at,
     s.id as s_id, s.currency as s_currency, s.price_list as s_price_list, s.stock_list as s_stock_list, s.taxation as s_taxation,
     s.tax_rounded_at_group as s_tax_rounded_at_group, s.rounding_mode as s_rounding_mode,
     (select json_build_object('status', m.status, 'error', m.error, 'version', m.version, 'result', m.result)
        from mutations m where m.id = t.mid) as recorded,
     (select coalesce(json_agg(json_build_object('item_id', l.item_id, 'sku', l.sku, 'quantity', l.quantity,
                'added_unit_price', l.added_unit_price::text, 'position', l.position, 'attributes', l.attributes, 'custom', l.custom)
              order by l.position), '[]'::json)
        from basket_lines l where l.basket_id = t.id) as lines,
     (select coalesce(json_agg(json_build_object('sku', p.sku, 'pk', p.pk, 'name', p.name, 'tax_rate', p.tax_rate::text, 'online', p.online,
                'image', p.image, 'price', pr.price::text, 'retail_price', pr.retail_price::text)), '[]'::json)
        from products p left join prices pr on pr.sku = p.sku and pr.price_list = s.price_list
        where p.sku = any(t.skus || array(select l.sku from basket_lines l where l.basket_id = t.id))) as catalog,
     (select coalesce(json_agg(json_build_object('sku', k.sku, 'tracked', st.sku is not null, 'on_hand', coalesce(st.on_hand, 0),
                'reserved', coalesce(st.reserved, 0),
                'reclaimable', (select coalesce(sum(r.quantity), 0) from reservations r
                                 where r.stock_list = s.stock_list and r.sku = k.sku and r.expires_at <= t.now and r.basket_id <> t.id),
                'ours', coalesce(o.quantity, 0), 'ours_expires_at', o.expires_at)), '[]'::json)
        from (select distinct x.sku from unnest(t.skus
                || array(select l.sku from basket_lines l where l.basket_id = t.id)
                || array(select r.sku from reservations r where r.basket_id = t.id and r.stock_list = s.stock_list)) as x (sku)) k
        left join stocks st on st.stock_list = s.stock_list and st.sku = k.sku
        left join reservations o on o.basket_id = t.id and o.stock_list = s.stock_list and o.sku = k.sku) as stock,
     (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'price', m.price::text, 'tax_rate', m.tax_rate::text,
                'free_over', m.free_over::text) order by m.id), '[]'::json)
        from shipping_methods m where m.site_id = s.id) as shipping_methods,
     (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'card_types', m.card_types) order by m.id), '[]'::json)
        from payment_methods m where m.site_id = s.id and m.enabled) as payment_methods,
     (select coalesce(json_agg(json_build_object('code', p.code, 'kind', p.kind, 'name', p.name, 'enabled', p.enabled,
                'starts_at', p.starts_at, 'ends_at', p.ends_at, 'discount_type', p.discount_type, 'discount_value', p.discount_value::text,
                'skus', p.skus, 'min_amount', p.min_amount::text, 'priority', p.priority, 'exclusive', p.exclusive,
                'redemption_limit', p.redemption_limit, 'redeemed', p.redeemed)), '[]'::json)
        from promotions p
        where (p.site_id is null or p.site_id = s.id)
          and (p.kind = 'campaign' or upper(p.code) = any(array(select upper(x) from unnest(t.codes || b.external_offer_code
                 || array(select c->>'code' from jsonb_array_elements(coalesce(b.coupons, '[]'::jsonb)) c)) x)))) as promotions
   from target t
   left join baskets b on b.id = t.id
   left join sites s on s.id = coalesce(b.site_id, t.create_site)`,
);

/**
 * Reads, in one statement, what applying a mutation needs: the basket and its lines, its site, the
 * catalogue entries of its SKUs plus `skus`, and any record of `mutationId`. `createSiteId` names the
 * site when the basket does not exist yet. Never locks.
 */
export async function loadMutationState(
  db: Queryable,
  q: { basketId: string; mutationId: string; createSiteId: string | null; skus: readonly string[]; now: Date; codes?: readonly string[] },
): Promise<MutationState> {
  const rows = await run<StateRow>(db, READ_STATE, [q.basketId, q.mutationId, q.createSiteId, q.skus, q.now, q.codes ?? []]);
  const r = rows[0]!;
  const lines: BasketLine[] = r.lines.map((l) => ({
    itemId: l.item_id,
    sku: l.sku,
    quantity: l.quantity,
    addedUnitPrice: l.added_unit_price === null ? null : new Money(l.added_unit_price),
    position: l.position,
    attributes: l.attributes,
    custom: l.custom,
  }));
  const catalog = new Map(
    r.catalog.map((c): [string, CatalogEntry] => [
      c.sku,
      {
        sku: c.sku,
        pk: Number(c.pk),
        name: c.name,
        taxRate: new Money(c.tax_rate),
        online: c.online,
        image: c.image,
        price: c.price === null ? null : new Money(c.price),
        retailPrice: c.retail_price === null ? null : new Money(c.retail_price),
      },
    ]),
  );
  const basket: Basket | null =
    r.id === null
      ? null
      : {
          id: r.id,
          ownerId: r.owner_id,
          siteId: r.site_id,
          currency: r.currency,
          status: r.status,
          version: r.version,
          lines,
          custom: r.custom,
          sourceCode: r.source_code,
          checkout: r.checkout ?? {},
          shippingMethodId: r.shipping_method_id,
          adjustments: (r.adjustments ?? []).map((a) => ({ ...a, value: new Money(a.value) })),
          coupons: r.coupons ?? [],
          externalOfferCode: r.external_offer_code,
          agentBasket: r.agent_basket,
          createdAt: new Date(r.created_at),
          updatedAt: new Date(r.updated_at),
        };
  const site =
    r.s_id === null
      ? null
      : toSitePolicy({
          id: r.s_id,
          // A basket keeps the currency it was created with; the site's other rules apply as they are now.
          currency: basket?.currency ?? r.s_currency,
          price_list: r.s_price_list,
          stock_list: r.s_stock_list,
          taxation: r.s_taxation,
          tax_rounded_at_group: r.s_tax_rounded_at_group,
          rounding_mode: r.s_rounding_mode,
        });
  const stock = new Map(
    (r.stock ?? []).map((x): [string, StockView] => [
      x.sku,
      {
        sku: x.sku,
        tracked: x.tracked,
        onHand: x.on_hand,
        reserved: x.reserved,
        reclaimable: Number(x.reclaimable),
        ours: x.ours,
        oursExpiresAt: x.ours_expires_at === null ? null : new Date(x.ours_expires_at),
      },
    ]),
  );
  const shippingMethods = new Map((r.shipping_methods ?? []).map((m) => [m.id, toShippingMethod(m)] as const));
  const paymentMethods = new Map((r.payment_methods ?? []).map((m) => [m.id, { id: m.id, name: m.name, cardTypes: m.card_types }] as const));
  const promotions = (r.promotions ?? []).map(toPromotion);
  return { basket, pk: r.pk, site, catalog, recorded: r.recorded, stock, shippingMethods, paymentMethods, promotions };
}

/** The stored snapshot of the basket's current version (read path fallback), or null when absent. */
export async function loadSnapshot(db: Kysely<Database>, basketId: string): Promise<unknown | null> {
  const row = await db.selectFrom('baskets').select('snapshot').where('id', '=', basketId).executeTakeFirst();
  return row ? (JSON.parse(row.snapshot) as unknown) : null;
}

export interface MutationRecord {
  readonly id: string;
  readonly basketId: string;
  readonly ownerId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly kind: string;
  readonly payload: unknown;
  readonly enqueuedAt: Date;
  readonly finishedAt: Date;
}

export type MutationOutcomeWrite =
  | {
      readonly status: 'applied';
      readonly before: Basket | null;
      readonly after: Basket;
      readonly totals: BasketTotals;
      /** What the basket should hold afterwards (empty: no change), in the site's stock list. */
      readonly reservations: { readonly stockList: string; readonly plan: readonly PlanItem[]; readonly expiresAt: Date | null };
      /** The versioned document (`pk` is filled in here for a new basket); also kept with the record when the mutation has an idempotency key. */
      readonly snapshot: { readonly pk: number };
    }
  | { readonly status: 'rejected'; readonly rejection: Rejection; readonly version: number | null };

/** The write found the basket changed since it was read (or created meanwhile): re-read and retry. */
export class ConcurrentModificationError extends Error {
  override readonly name = 'ConcurrentModificationError';
  readonly code = 'concurrent_modification';
}

const RECORD_REJECTION = prepared(
  'basket_record_rejection_v1',
  `insert into mutations (id, basket_id, owner_id, idempotency_key, request_hash, kind, payload, status, error, version, result, enqueued_at, finished_at)
   values ($1, $2, $3, $4, $5, $6, $7::jsonb, 'rejected', $8::jsonb, $9, null, $10, $11)`,
);

/** Line deletes and upserts and the mutation record, each only if `basket_written` has a row. */
const LINES_AND_RECORD = `
  lines_deleted as (
    delete from basket_lines where basket_id = $1 and item_id = any($12::text[]) and exists (select 1 from basket_written)),
  lines_upserted as (
    insert into basket_lines (basket_id, item_id, sku, quantity, added_unit_price, position, attributes, custom)
    select $1, x.item_id, x.sku, x.quantity, x.added_unit_price, x.position, x.attributes, x.custom
    from jsonb_to_recordset($13::jsonb) as x (item_id text, sku text, quantity int, added_unit_price numeric, position int, attributes jsonb, custom jsonb)
    where exists (select 1 from basket_written)
    on conflict (basket_id, item_id) do update set quantity = excluded.quantity, added_unit_price = excluded.added_unit_price,
      position = excluded.position, attributes = excluded.attributes, custom = excluded.custom),
  mutation_inserted as (
    insert into mutations (id, basket_id, owner_id, idempotency_key, request_hash, kind, payload, status, error, version, result, enqueued_at, finished_at)
    select $14, $1, $15, $16::text, $17, $18, $19::jsonb, 'applied', null, $4,
           case when $16::text is null then null else jsonb_set($10::jsonb, '{pk}', to_jsonb((select pk from basket_written))) end,
           $20, $21
    where exists (select 1 from basket_written))`;

/**
 * Carries out the reservation plan ($23; see basket_apply_reservations), then updates the basket only if
 * the plan went through and the basket still has the version it was read with ($2). The function runs
 * first (an InitPlan of the update) and locks the basket row, so both see the same version.
 */
const WRITE_UPDATE = prepared(
  'basket_write_update_v8',
  `with reservation as materialized (
     select case when jsonb_array_length($23::jsonb) = 0 then 'ok'
                 else basket_apply_reservations($1, $2, $22, $23::jsonb, $24, $11) end as outcome),
   basket_written as (
     update baskets set status = $3, version = $4, custom = $5::jsonb, product_sub_total = $6, product_total = $7, tax_total = $8,
       order_total = $9, snapshot = $10, updated_at = $11, source_code = $25, checkout = $26::jsonb, shipping_method_id = $27, adjustments = $28::jsonb, coupons = $29::jsonb, external_offer_code = $30
     where id = $1 and version = $2 and (select outcome from reservation) = 'ok'
     returning pk),
   ${LINES_AND_RECORD}
   select (select outcome from reservation) as reservation, (select pk from basket_written) as pk`,
);

/** Inserts a new basket with the next pk (written into its snapshot too); nothing if the id exists. */
const WRITE_INSERT = prepared(
  'basket_write_insert_v4',
  `with basket_written as (
     insert into baskets (id, pk, owner_id, site_id, currency, status, version, agent_basket, custom,
                          product_sub_total, product_total, tax_total, order_total, snapshot, created_at, updated_at)
     select $1, n.pk, $22, $23, $24, $3, $4, $25, $5::jsonb, $6, $7, $8, $9, jsonb_set($10::jsonb, '{pk}', to_jsonb(n.pk))::text, $26, $11
     from (select nextval(pg_get_serial_sequence('baskets', 'pk')) as pk, $2::int as unused_version) n
     on conflict (id) do nothing
     returning pk),
   ${LINES_AND_RECORD}
   select pk from basket_written`,
);

/**
 * Writes a mutation's whole outcome in one statement: basket insert (or update guarded by the version
 * it had when read), line deletes and upserts, and the mutation record — all or nothing. Returns the
 * basket's pk for an applied outcome. Throws ConcurrentModificationError when the guard fails; a second
 * record for the same mutation id fails on the primary key, the last guard of exactly-once.
 */
export async function writeMutationOutcome(db: Queryable, record: MutationRecord, outcome: MutationOutcomeWrite): Promise<number | null> {
  const common = [record.id, record.ownerId, record.idempotencyKey, record.requestHash, record.kind, JSON.stringify(record.payload), record.enqueuedAt, record.finishedAt] as const;
  if (outcome.status === 'rejected') {
    const [id, ownerId, key, hash, kind, payload, enqueuedAt, finishedAt] = common;
    await run(db, RECORD_REJECTION, [id, record.basketId, ownerId, key, hash, kind, payload, JSON.stringify(outcome.rejection), outcome.version, enqueuedAt, finishedAt]);
    return null;
  }
  const { before, after, totals } = outcome;
  const keep = new Set(after.lines.map((l) => l.itemId));
  const deleted = (before?.lines ?? []).filter((l) => !keep.has(l.itemId)).map((l) => l.itemId);
  const unchanged = new Set(before?.lines ?? []);
  const upserts = after.lines
    .filter((l) => !unchanged.has(l))
    .map((l) => ({
      item_id: l.itemId,
      sku: l.sku,
      quantity: l.quantity,
      added_unit_price: l.addedUnitPrice?.toString() ?? null,
      position: l.position,
      attributes: l.attributes,
      custom: l.custom,
    }));
  const t = totalsColumns(totals, after.currency);
  const [id, ownerId, key, hash, kind, payload, enqueuedAt, finishedAt] = common;
  const values: unknown[] = [
    after.id, before?.version ?? 0, after.status, after.version, JSON.stringify(after.custom),
    t.productSubTotal, t.productTotal, t.taxTotal, t.orderTotal, JSON.stringify(outcome.snapshot), after.updatedAt,
    deleted, JSON.stringify(upserts), id, ownerId, key, hash, kind, payload, enqueuedAt, finishedAt,
  ];
  const { reservations } = outcome;
  const rows =
    before === null
      ? await run<{ pk: number | null }>(db, WRITE_INSERT, [...values, after.ownerId, after.siteId, after.currency, after.agentBasket, after.createdAt])
      : await run<{ pk: number | null }>(db, WRITE_UPDATE, [...values, reservations.stockList, JSON.stringify(reservations.plan), reservations.expiresAt, after.sourceCode, JSON.stringify(after.checkout), after.shippingMethodId, JSON.stringify(after.adjustments.map((a) => ({ ...a, value: a.value.toString() }))), JSON.stringify(after.coupons), after.externalOfferCode]);
  const pk = rows[0]?.pk ?? null;
  if (pk === null) throw new ConcurrentModificationError(`basket ${after.id} or its inventory changed since it was read`);
  return Number(pk);
}

/** Totals as stored: exact text with the currency's minor digits ("22.00"). */
function totalsColumns(t: BasketTotals, currency: string) {
  return {
    productSubTotal: formatMoney(t.productSubTotal, currency),
    productTotal: formatMoney(t.productTotal, currency),
    taxTotal: formatMoney(t.taxTotal, currency),
    orderTotal: formatMoney(t.orderTotal, currency),
  };
}

/** A new basket's first row, before the change that comes with its creation (see `writeCreatedWithChange`). */
const INSERT_NEW_BASKET = `
  insert into baskets (id, owner_id, site_id, currency, status, version, agent_basket, custom, snapshot, created_at, updated_at)
  values ($1, $2, $3, $4, 'active', $5, $6, $7::jsonb, '{}', $8, $8)
  on conflict (id) do nothing
  returning pk`;

/**
 * A basket created together with its first change (Akinon: a caller's first write): in one transaction,
 * the new basket's row as `created` (no lines, nothing held), then the change's outcome written over it
 * exactly as any change (reservations, lines, codes, the mutation record), with the new pk in its
 * snapshot. All or nothing: a conflict (the id taken meanwhile, stock gone) rolls both back.
 */
export async function writeCreatedWithChange(
  pool: Pick<pg.Pool, 'connect'>,
  record: MutationRecord,
  created: Basket,
  outcome: Extract<MutationOutcomeWrite, { status: 'applied' }> & { readonly snapshot: { readonly pk: number } },
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const inserted = await client.query<{ pk: number | string }>(INSERT_NEW_BASKET, [
      created.id,
      created.ownerId,
      created.siteId,
      created.currency,
      created.version,
      created.agentBasket,
      JSON.stringify(created.custom),
      created.createdAt,
    ]);
    const row = inserted.rows[0];
    if (!row) throw new ConcurrentModificationError(`basket ${created.id} was created meanwhile`);
    const pk = Number(row.pk);
    await writeMutationOutcome(client, record, { ...outcome, before: created, snapshot: { ...outcome.snapshot, pk } });
    await client.query('commit');
    return pk;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
