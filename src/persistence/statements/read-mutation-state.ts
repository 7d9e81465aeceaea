/**
 * read-mutation-state — everything applying one mutation needs, in one statement, less what the worker
 * already holds at the current versions.
 *
 * Inputs:  basketId, mutationId, createSiteId (the site when the basket does not exist yet), skus (the
 *          command's SKUs beyond the basket's lines), now, codes (coupon codes the command names), and
 *          what the worker holds (all null / empty: it holds nothing, and every aggregate is returned):
 *          `heldBasketPk` + `heldBasketVersion` (the basket as the worker last read or wrote it),
 *          `heldReference` (the `reference_version` its reference data was read at), `heldSite` (the site
 *          that data is for), `knownSkus` / `knownCodes` (catalogue entries and upper-cased promotion codes
 *          it holds for that site, absent ones included).
 * Output:  exactly one row: `id`, `pk`, `version` of the stored basket (null id when there is none);
 *          `basket_current`: the stored basket is the held pk and version, and then the other basket
 *          columns and `lines` are null (the held copy stands); otherwise the basket columns and `lines`.
 *          The site's policy (`s_*`, always). `reference_version` and `reference_current` (it equals
 *          `heldReference` and the site is `heldSite`): then `shipping_methods` and `payment_methods` are
 *          null, `promotions` holds no campaigns and only the promotions of needed codes not in
 *          `knownCodes`, and `catalog` only the needed SKUs (the command's and the stored lines') not in
 *          `knownSkus`; otherwise all of them, as for a worker that holds nothing. `codes_needed`: the
 *          upper-cased codes whose promotions apply (the command's, the basket's coupons and external
 *          offer code). `recorded` (this mutation's record, or null) and `stock` are always read: per stock
 *          list and SKU, on hand, reserved, expired holdings of others (`reclaimable`), ours; for the
 *          command's SKUs in the site's list and in the `lists` it names, each line's SKU in its own list
 *          (its `inventory_id`, else the site's), and every holding of the basket in any list.
 *          A promotion carries `key`: its upper-cased code. Non-campaign promotions only come by code.
 * Locks:   none (a plain read; the write statement guards by the version read). One snapshot: the basket,
 *          reference version and every aggregate agree with each other.
 * Plan:    `reference_version` is read as a scalar subquery, not joined: the table is never analyzed here
 *          (autovacuum off), and a join's default estimate (~1,100 rows) multiplied the subplans' costs past
 *          `jit_above_cost`, so every call paid a JIT compile (~70 ms of backend CPU). The `offset 0`
 *          laterals are evaluated once each (not inlined into every use); catalogue and promotions are
 *          skipped outright when nothing is missing.
 * Mapped:  `loadMutationState` in basket.repository.ts.
 */
import { defineStatement } from '../statement.js';

export interface ReadMutationStateInput {
  readonly basketId: string;
  readonly mutationId: string;
  readonly createSiteId: string | null;
  readonly skus: readonly string[];
  readonly now: Date;
  readonly codes: readonly string[];
  readonly heldBasketPk: number | null;
  readonly heldBasketVersion: number | null;
  /** bigint as text. */
  readonly heldReference: string | null;
  readonly heldSite: string | null;
  readonly knownSkus: readonly string[];
  readonly knownCodes: readonly string[];
  /** Stock lists the command's items name (a pickup store's `inventoryId`): its SKUs are read there too. */
  readonly lists: readonly string[];
}

export const readMutationState = defineStatement<ReadMutationStateInput, Record<string, never>>(
  'read_mutation_state',
  (p) =>
    `with target as (select ${p.basketId}::uuid as id, ${p.mutationId}::uuid as mid, ${p.createSiteId}::text as create_site, ${p.skus}::text[] as skus, ${p.now}::timestamptz as now, ${p.codes}::text[] as codes,
       ${p.heldBasketPk}::bigint as held_pk, ${p.heldBasketVersion}::int as held_version, ${p.heldReference}::bigint as held_reference,
       ${p.heldSite}::text as held_site, ${p.knownSkus}::text[] as known_skus, ${p.knownCodes}::text[] as known_codes, ${p.lists}::text[] as lists)
   select b.id, b.pk, b.version, bx.fetched is null as basket_current,
     bx.owner_id, bx.site_id, bx.currency, bx.status, bx.agent_basket, bx.custom, bx.source_code, bx.checkout, bx.shipping_method_id, bx.adjustments, bx.coupons, bx.external_offer_code, bx.created_at, bx.updated_at,
     s.id as s_id, s.currency as s_currency, s.price_list as s_price_list, s.stock_list as s_stock_list, s.taxation as s_taxation,
     s.tax_rounded_at_group as s_tax_rounded_at_group, s.rounding_mode as s_rounding_mode,
     w.reference_version::text as reference_version, w.warm as reference_current, w.codes_needed,
     (select json_build_object('status', m.status, 'error', m.error, 'version', m.version, 'result', m.result)
        from mutations m where m.id = t.mid) as recorded,
     case when bx.fetched then
     (select coalesce(json_agg(json_build_object('item_id', l.item_id, 'sku', l.sku, 'quantity', l.quantity,
                'added_unit_price', l.added_unit_price::text, 'position', l.position, 'attributes', l.attributes, 'custom', l.custom,
                'gift', l.gift, 'gift_message', l.gift_message, 'inventory_id', l.inventory_id)
              order by l.position), '[]'::json)
        from basket_lines l where l.basket_id = t.id) end as lines,
     case when cardinality(w.skus_missing) = 0 then '[]'::json else
     (select coalesce(json_agg(json_build_object('sku', p.sku, 'pk', p.pk, 'name', p.name, 'tax_rate', p.tax_rate::text, 'online', p.online,
                'image', p.image, 'price', pr.price::text, 'retail_price', pr.retail_price::text)), '[]'::json)
        from products p left join prices pr on pr.sku = p.sku and pr.price_list = s.price_list
        where p.sku = any(w.skus_missing)) end as catalog,
     (select coalesce(json_agg(json_build_object('stock_list', k.stock_list, 'sku', k.sku, 'tracked', st.sku is not null, 'on_hand', coalesce(st.on_hand, 0),
                'reserved', coalesce(st.reserved, 0),
                'reclaimable', (select coalesce(sum(r.quantity), 0) from reservations r
                                 where r.stock_list = k.stock_list and r.sku = k.sku and r.expires_at <= t.now and r.basket_id <> t.id),
                'ours', coalesce(o.quantity, 0), 'ours_expires_at', o.expires_at)), '[]'::json)
        from (select distinct x.stock_list, x.sku from (
                select u.list as stock_list, c.sku from unnest(array_prepend(s.stock_list, t.lists)) as u (list), unnest(t.skus) as c (sku)
                union all select coalesce(l.inventory_id, s.stock_list), l.sku from basket_lines l where l.basket_id = t.id
                union all select r.stock_list, r.sku from reservations r where r.basket_id = t.id) x) k
        -- Lateral lookups with a limit, never pulled up into a join: with the stock list a column of k (not
        -- the site's constant), the planner would otherwise hash-join a scan of all of stocks per mutation.
        left join lateral (select st.sku, st.on_hand, st.reserved from stocks st where st.stock_list = k.stock_list and st.sku = k.sku limit 1) st on true
        left join lateral (select o.quantity, o.expires_at from reservations o
                           where o.basket_id = t.id and o.stock_list = k.stock_list and o.sku = k.sku limit 1) o on true) as stock,
     case when not w.warm then
     (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'price', m.price::text, 'tax_rate', m.tax_rate::text,
                'free_over', m.free_over::text, 'store_pickup', m.store_pickup) order by m.id), '[]'::json)
        from shipping_methods m where m.site_id = s.id) end as shipping_methods,
     case when not w.warm then
     (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'card_types', m.card_types) order by m.id), '[]'::json)
        from payment_methods m where m.site_id = s.id and m.enabled) end as payment_methods,
     case when w.warm and cardinality(w.codes_missing) = 0 then '[]'::json else
     (select coalesce(json_agg(json_build_object('key', upper(p.code), 'code', p.code, 'kind', p.kind, 'name', p.name, 'enabled', p.enabled,
                'starts_at', p.starts_at, 'ends_at', p.ends_at, 'discount_type', p.discount_type, 'discount_value', p.discount_value::text,
                'skus', p.skus, 'min_amount', p.min_amount::text, 'priority', p.priority, 'exclusive', p.exclusive,
                'redemption_limit', p.redemption_limit, 'redeemed', p.redeemed)), '[]'::json)
        from promotions p
        where (p.site_id is null or p.site_id = s.id)
          and ((p.kind = 'campaign' and not w.warm) or (p.kind <> 'campaign' and upper(p.code) = any(w.codes_missing)))) end as promotions
   from target t
   left join baskets b on b.id = t.id
   left join lateral (select true as fetched, b.owner_id, b.site_id, b.currency, b.status, b.agent_basket, b.custom, b.source_code, b.checkout,
                        b.shipping_method_id, b.adjustments, b.coupons, b.external_offer_code, b.created_at, b.updated_at
                      where not (b.pk = t.held_pk and b.version = t.held_version) is true) bx on true
   left join sites s on s.id = coalesce(b.site_id, t.create_site)
   cross join lateral (select (select rv.version from reference_version rv where rv.only_row) as reference_version,
                         array(select distinct upper(x) from unnest(t.codes || b.external_offer_code
                                 || array(select c->>'code' from jsonb_array_elements(coalesce(b.coupons, '[]'::jsonb)) c)) x
                               where x is not null) as codes_needed,
                         t.skus || array(select l.sku from basket_lines l where l.basket_id = t.id) as skus_needed
                       offset 0) w0
   cross join lateral (select w0.reference_version, w0.codes_needed, w0.skus_needed,
                         (w0.reference_version = t.held_reference and s.id = t.held_site) is true as warm offset 0) w1
   cross join lateral (select w1.reference_version, w1.warm, w1.codes_needed,
                         case when w1.warm then array(select x from unnest(w1.skus_needed) x where x <> all(t.known_skus)) else w1.skus_needed end as skus_missing,
                         case when w1.warm then array(select x from unnest(w1.codes_needed) x where x <> all(t.known_codes)) else w1.codes_needed end as codes_missing
                       offset 0) w`,
);
