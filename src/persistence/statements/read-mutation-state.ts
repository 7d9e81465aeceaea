/**
 * read-mutation-state — everything applying one mutation needs, in one statement.
 *
 * Inputs:  basketId, mutationId, createSiteId (the site when the basket does not exist yet), skus (the
 *          command's SKUs beyond the basket's lines), now, codes (coupon codes the command names).
 * Output:  exactly one row of one json column, `state`, an object of: the basket's columns (null id
 *          when there is no basket), its site's policy (`s_*`), and aggregates: `recorded` (this mutation's
 *          record, or null), `lines`, `catalog`
 *          (the basket's and the command's SKUs, priced by the site's price list), `stock` (per stock list
 *          and SKU: on hand, reserved, expired holdings of others (`reclaimable`), ours; for the command's
 *          SKUs in the site's list and in the `lists` it names, each line's SKU in its own list (its
 *          `inventory_id`, else the site's), and every holding of the basket in any list),
 *          `shipping_methods`, `payment_methods` (enabled), `promotions` (the site's campaigns and the
 *          promotions its codes and the command's name), and `reference_version` (the counter every change
 *          of that reference data moves on: the write is guarded by it, see the reference-version migration).
 *          One column, not one per field: the client parses a row description and runs a type parser
 *          per column on every call, and each json column was a JSON.parse of its own; one document is
 *          one parse (timestamps arrive as ISO text, bigints as JSON numbers).
 * Locks:   none (a plain read; the write statement guards by the version read).
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
  readonly lists: readonly string[];
}

export const readMutationState = defineStatement<ReadMutationStateInput, Record<string, never>>(
  'read_mutation_state',
  (p) =>
    `with target as (select ${p.basketId}::uuid as id, ${p.mutationId}::uuid as mid, ${p.createSiteId}::text as create_site, ${p.skus}::text[] as skus, ${p.now}::timestamptz as now, ${p.codes}::text[] as codes, ${p.lists}::text[] as lists)
   select json_build_object(
     'id', b.id, 'pk', b.pk, 'owner_id', b.owner_id, 'site_id', b.site_id, 'currency', b.currency, 'status', b.status, 'version', b.version,
     'agent_basket', b.agent_basket, 'custom', b.custom, 'source_code', b.source_code, 'checkout', b.checkout, 'shipping_method_id', b.shipping_method_id,
     'adjustments', b.adjustments, 'coupons', b.coupons, 'external_offer_code', b.external_offer_code, 'created_at', b.created_at, 'updated_at', b.updated_at,
     's_id', s.id, 's_currency', s.currency, 's_price_list', s.price_list, 's_stock_list', s.stock_list, 's_taxation', s.taxation,
     's_tax_rounded_at_group', s.tax_rounded_at_group, 's_rounding_mode', s.rounding_mode,
     'reference_version', (select v.version from reference_version v),
     'recorded', (select json_build_object('status', m.status, 'error', m.error, 'version', m.version, 'result', m.result)
        from mutations m where m.id = t.mid),
     'lines', (select coalesce(json_agg(json_build_object('item_id', l.item_id, 'sku', l.sku, 'quantity', l.quantity,
                'added_unit_price', l.added_unit_price::text, 'position', l.position, 'attributes', l.attributes, 'custom', l.custom,
                'gift', l.gift, 'gift_message', l.gift_message, 'inventory_id', l.inventory_id)
              order by l.position), '[]'::json)
        from basket_lines l where l.basket_id = t.id),
     'catalog', (select coalesce(json_agg(json_build_object('sku', p.sku, 'pk', p.pk, 'name', p.name, 'tax_rate', p.tax_rate::text, 'online', p.online,
                'image', p.image, 'price', pr.price::text, 'retail_price', pr.retail_price::text)), '[]'::json)
        from products p
        -- A lateral lookup by the whole key, like stocks below: as a join, the generic plan fetched every price
        -- of the price list through the key's prefix and hash-joined them (the whole catalogue per mutation).
        left join lateral (select pr.price, pr.retail_price from prices pr where pr.price_list = s.price_list and pr.sku = p.sku limit 1) pr on true
        where p.sku = any(t.skus || array(select l.sku from basket_lines l where l.basket_id = t.id))),
     'stock', (select coalesce(json_agg(json_build_object('stock_list', k.stock_list, 'sku', k.sku, 'tracked', st.sku is not null, 'on_hand', coalesce(st.on_hand, 0),
                'reserved', coalesce(st.reserved, 0),
                'reclaimable', (select coalesce(sum(r.quantity), 0) from reservations r
                                 where r.stock_list = k.stock_list and r.sku = k.sku and r.expires_at <= t.now and r.basket_id <> t.id),
                'ours', coalesce(o.quantity, 0), 'ours_expires_at', o.expires_at)), '[]'::json)
        from (select distinct x.stock_list, x.sku from (
                select u.list as stock_list, c.sku from unnest(array_prepend(s.stock_list, t.lists)) as u (list), unnest(t.skus) as c (sku)
                union all select coalesce(l.inventory_id, s.stock_list), l.sku from basket_lines l where l.basket_id = t.id
                union all select r.stock_list, r.sku from reservations r where r.basket_id = t.id) x) k
        -- A lateral lookup with a limit, never pulled up into a join: with the stock list a column of k (not
        -- the site's constant), the planner would otherwise hash-join a scan of all of stocks per mutation.
        left join lateral (select st.sku, st.on_hand, st.reserved from stocks st where st.stock_list = k.stock_list and st.sku = k.sku limit 1) st on true
        -- The basket's own holdings, found by the basket first (the primary key's prefix): looked up per SKU,
        -- the generic plan took the (stock list, SKU) index and walked every holder of the SKU.
        left join (select o.stock_list, o.sku, o.quantity, o.expires_at from reservations o where o.basket_id = t.id) o
          on o.stock_list = k.stock_list and o.sku = k.sku),
     'shipping_methods', (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'price', m.price::text, 'tax_rate', m.tax_rate::text,
                'free_over', m.free_over::text, 'store_pickup', m.store_pickup) order by m.id), '[]'::json)
        from shipping_methods m where m.site_id = s.id),
     'payment_methods', (select coalesce(json_agg(json_build_object('id', m.id, 'name', m.name, 'card_types', m.card_types) order by m.id), '[]'::json)
        from payment_methods m where m.site_id = s.id and m.enabled),
     'promotions', (select coalesce(json_agg(json_build_object('code', p.code, 'kind', p.kind, 'name', p.name, 'enabled', p.enabled,
                'starts_at', p.starts_at, 'ends_at', p.ends_at, 'discount_type', p.discount_type, 'discount_value', p.discount_value::text,
                'skus', p.skus, 'min_amount', p.min_amount::text, 'priority', p.priority, 'exclusive', p.exclusive,
                'redemption_limit', p.redemption_limit, 'redeemed', p.redeemed)), '[]'::json)
        from promotions p
        where (p.site_id is null or p.site_id = s.id)
          and (p.kind = 'campaign' or upper(p.code) = any(array(select upper(x) from unnest(t.codes || b.external_offer_code
                 || array(select c->>'code' from jsonb_array_elements(coalesce(b.coupons, '[]'::jsonb)) c)) x))))) as state
   from target t
   left join baskets b on b.id = t.id
   left join sites s on s.id = coalesce(b.site_id, t.create_site)`,
);
