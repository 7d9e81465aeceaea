/**
 * Admin catalogue feed and support endpoints: bearer ADMIN_TOKEN, problem+json errors.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { Store } from '../../domain/types.js';
import { useProblemErrors } from '../problem.js';
import { isAdmin } from './admin-auth.js';
import { recalculateBasketsHolding } from '../../application/recalculate-baskets.js';
import { basketHistory, InvalidCursorError } from '../../application/basket-history.js';
import {
  addRedemptions,
  deleteShippingMethod,
  findPromotion,
  findStore,
  putPriceList,
  putPromotion,
  putSite,
  stockLevel,
  upsertPaymentMethod,
  upsertProducts,
  upsertShippingMethod,
  upsertStockList,
  upsertStore,
  type PromotionRecord,
} from '../../application/admin-feed.js';
import {
  assertUniqueSkus,
  BasketIdParams,
  HistoryQuery,
  CodeParams,
  PaymentMethodBody,
  PromotionBody,
  PromotionParams,
  RedemptionsBody,
  PriceListBody,
  ProductsBody,
  RecalculateBody,
  ShippingMethodBody,
  ShippingMethodParams,
  SiteBody,
  SiteParams,
  StockListBody,
  StockParams,
  StoreBody,
} from './schemas.js';

export async function adminRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  useProblemErrors(app);
  app.addHook('onRequest', async (req) => {
    if (!isAdmin(req, deps.config.ADMIN_TOKEN)) throw new ApiError('unauthorized', 'Admin credentials are required.');
  });
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  const unique = (items: readonly { sku: string }[]) => {
    const dup = assertUniqueSkus(items);
    if (dup) throw new ApiError('invalid_request', `SKU '${dup}' is listed twice.`);
  };

  r.put('/sites/:site_id', { schema: { tags: ['Admin'], summary: 'Create or replace a site', params: SiteParams, body: SiteBody } }, async (req) => {
    const saved = await putSite(db, req.params.site_id, req.body);
    if (saved.kind === 'currency_mismatch') {
      throw new ApiError('invalid_request', `Price list '${req.body.price_list}' is in ${saved.listCurrency}, not ${req.body.currency}.`);
    }
    if (saved.kind === 'holds_inventory') {
      throw new ApiError('conflict', `Baskets of site '${req.params.site_id}' hold inventory in its current stock list; the stock list can change once they have released it.`);
    }
    const site = saved.site;
    return {
      site_id: site.siteId,
      currency: site.currency,
      price_list: site.priceList,
      stock_list: site.stockList,
      taxation: site.taxation,
      tax_rounded_at_group: site.taxRoundedAtGroup,
      rounding_mode: site.roundingMode,
      default_shipping_method_id: req.body.default_shipping_method_id,
    };
  });

  r.put(
    '/sites/:site_id/shipping-methods/:id',
    { schema: { tags: ['Admin'], summary: 'Create or replace a shipping method of a site', params: ShippingMethodParams, body: ShippingMethodBody } },
    async (req) => {
      const row = await upsertShippingMethod(db, req.params.site_id, req.params.id, req.body);
      if (!row) throw new ApiError('site_not_found', `No site '${req.params.site_id}'.`);
      return { site_id: req.params.site_id, ...row };
    },
  );

  r.delete(
    '/sites/:site_id/shipping-methods/:id',
    { schema: { tags: ['Admin'], summary: "Remove a shipping method of a site (baskets that chose it are flashed on their next recalculation)", params: ShippingMethodParams } },
    async (req, reply) => {
      if (!(await deleteShippingMethod(db, req.params.site_id, req.params.id))) throw new ApiError('not_found', `No shipping method '${req.params.id}' on site '${req.params.site_id}'.`);
      return reply.code(204).send();
    },
  );

  // Stores for pickup: a pickup shipment names one (`c_fromStoreId`), its items its stock list (`inventoryId`),
  // stocked through PUT /admin/stock-lists/{code} like any list.
  r.put(
    '/sites/:site_id/stores/:id',
    { schema: { tags: ['Admin'], summary: 'Create or replace a store of a site (pickup): name, address, its stock list', params: ShippingMethodParams, body: StoreBody } },
    async (req) => {
      const store = await upsertStore(db, req.params.site_id, req.params.id, req.body);
      if (!store) throw new ApiError('site_not_found', `No site '${req.params.site_id}'.`);
      return storeDocument(req.params.site_id, store);
    },
  );

  r.get('/sites/:site_id/stores/:id', { schema: { tags: ['Admin'], summary: 'A store of a site', params: ShippingMethodParams } }, async (req) => {
    const store = await findStore(db, req.params.site_id, req.params.id);
    if (!store) throw new ApiError('not_found', `No store '${req.params.id}' on site '${req.params.site_id}'.`);
    return storeDocument(req.params.site_id, store);
  });

  r.put(
    '/sites/:site_id/payment-methods/:id',
    { schema: { tags: ['Admin'], summary: 'Create or replace a payment method of a site (enabled: false withdraws it)', params: ShippingMethodParams, body: PaymentMethodBody } },
    async (req) => {
      const method = await upsertPaymentMethod(db, req.params.site_id, req.params.id, req.body);
      if (!method) throw new ApiError('site_not_found', `No site '${req.params.site_id}'.`);
      return { site_id: req.params.site_id, id: method.id, name: method.name, enabled: req.body.enabled, card_types: method.cardTypes };
    },
  );

  r.put(
    '/promotions/:code',
    { schema: { tags: ['Admin'], summary: 'Create or replace a campaign or coupon; baskets see it on their next change or recalculation', params: PromotionParams, body: PromotionBody } },
    async (req) => {
      const saved = await putPromotion(db, req.params.code, req.body);
      if (saved.kind === 'raced') throw new ApiError('conflict', `A promotion '${req.params.code}' (in some case) was created meanwhile; retry.`);
      if (saved.kind === 'site_not_found') throw new ApiError('site_not_found', `No site '${req.body.site}'.`);
      return promotionDocument(saved.promotion);
    },
  );

  r.post(
    '/promotions/:code/redemptions',
    { schema: { tags: ['Admin'], summary: 'Count redemptions (orders placed with the promotion); a coupon stops applying at its redemption limit', params: PromotionParams, body: RedemptionsBody } },
    async (req) => {
      const row = await addRedemptions(db, req.params.code, req.body.count);
      if (!row) throw new ApiError('promotion_not_found', `No promotion '${req.params.code}'.`);
      return promotionDocument(row);
    },
  );

  r.get('/promotions/:code', { schema: { tags: ['Admin'], summary: 'A promotion', params: PromotionParams } }, async (req) => {
    const row = await findPromotion(db, req.params.code);
    if (!row) throw new ApiError('promotion_not_found', `No promotion '${req.params.code}'.`);
    return promotionDocument(row);
  });

  r.put('/products', { schema: { tags: ['Admin'], summary: 'Upsert products by SKU', body: ProductsBody } }, async (req) => {
    unique(req.body.products);
    return { products: await upsertProducts(db, req.body.products) };
  });

  r.put('/price-lists/:code', { schema: { tags: ['Admin'], summary: 'Upsert prices of a price list', params: CodeParams, body: PriceListBody } }, async (req) => {
    unique(req.body.prices);
    const saved = await putPriceList(db, req.params.code, req.body.currency, req.body.prices);
    if (saved.kind === 'currency_fixed') throw new ApiError('conflict', `Price list '${req.params.code}' is in ${saved.current}; its currency does not change.`);
    if (saved.kind === 'too_fine') throw new ApiError('invalid_request', `Prices in ${req.body.currency} have at most ${saved.digits} decimal places ('${saved.sku}').`);
    return { code: req.params.code, currency: req.body.currency, updated: req.body.prices.length };
  });

  r.put('/stock-lists/:code', { schema: { tags: ['Admin'], summary: 'Set on-hand quantities of a stock list', params: CodeParams, body: StockListBody } }, async (req) => {
    unique(req.body.stocks);
    await upsertStockList(db, req.params.code, req.body.stocks);
    return { code: req.params.code, updated: req.body.stocks.length };
  });

  r.get('/stock-lists/:code/:sku', { schema: { tags: ['Admin'], summary: 'On-hand, reserved and available units of a SKU', params: StockParams } }, async (req) => {
    const { code, sku } = req.params;
    const stock = await stockLevel(db, code, sku);
    if (stock.kind === 'missing') {
      const what = stock.listExists ? `SKU '${sku}' in stock list '${code}'` : `stock list '${code}'`;
      throw new ApiError('not_found', `No ${what}.`);
    }
    return { stock_list: code, sku, on_hand: stock.onHand, reserved: stock.reserved, available: Math.max(0, stock.onHand - stock.reserved) };
  });

  r.post(
    '/baskets/recalculate',
    { schema: { tags: ['Admin'], summary: 'Recalculate, through their lanes, all active baskets holding these SKUs or of these sites', body: RecalculateBody } },
    async (req, reply) => {
      const enqueued = await recalculateBasketsHolding({ db, lanes: deps.lanes, now: () => new Date() }, req.body.skus, req.body.sites);
      return reply.code(202).send({ enqueued });
    },
  );

  r.get('/baskets/:basket_id', { schema: { tags: ['Admin'], summary: 'Any basket, for support', params: BasketIdParams } }, async (req, reply) => {
    const read = await deps.reader.head(req.params.basket_id);
    const snapshot = read && (await deps.reader.snapshot(req.params.basket_id, read));
    if (!snapshot) throw new ApiError('basket_not_found', `No basket with id '${req.params.basket_id}'.`);
    return reply.header('etag', `"${snapshot.version}"`).send(snapshot);
  });

  r.get(
    '/baskets/:basket_id/mutations',
    { schema: { tags: ['Admin'], summary: "A basket's mutation log, newest first (kind, status, version, actor, times, rejection code); ?cursor= pages", params: BasketIdParams, querystring: HistoryQuery } },
    async (req) => {
      const page = await basketHistory(db, req.params.basket_id, req.query).catch((err) => {
        throw err instanceof InvalidCursorError ? new ApiError('invalid_request', err.message) : err;
      });
      if (!page) throw new ApiError('basket_not_found', `No basket with id '${req.params.basket_id}'.`);
      return page;
    },
  );
}

function promotionDocument(p: PromotionRecord) {
  return {
    code: p.code,
    kind: p.kind,
    name: p.name,
    site: p.site_id,
    enabled: p.enabled,
    starts_at: p.starts_at?.toISOString() ?? null,
    ends_at: p.ends_at?.toISOString() ?? null,
    discount: { type: p.discount_type, ...(p.discount_type === 'free_shipping' ? {} : { value: p.discount_value }) },
    skus: p.skus,
    min_amount: p.min_amount,
    priority: p.priority,
    exclusive: p.exclusive,
    redemption_limit: p.redemption_limit,
    redeemed: p.redeemed,
  };
}

/** A store as the admin feed answers it (the fields it takes, by their names there). */
function storeDocument(siteId: string, s: Store) {
  return {
    site_id: siteId,
    id: s.id,
    name: s.name,
    stock_list: s.stockList,
    address1: s.address1,
    city: s.city,
    postal_code: s.postalCode,
    state_code: s.stateCode,
    country_code: s.countryCode,
    phone: s.phone,
  };
}
