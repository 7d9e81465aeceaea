/**
 * Project Zero Next (`@akinon/next`, a dev dependency) as the spec of the Akinon dialect:
 *
 * 1. Type level, checked by tsc in `npm test` (this directory compiles under its own tsconfig): every
 *    document the dialect renders is assignable to @akinon/next's own `Basket` / `BasketItem` /
 *    `Product` (types/commerce/basket.ts, product.ts), read as JSON. A required field the renderer
 *    lacks, or a field of another type, fails the build. The only allowances are listed in `Allowed`
 *    below, each where Akinon's own API answers null (the seed's GET /baskets/basket/ example).
 * 2. Runtime: the required keys of those types, as tsc-checked lists (`satisfies Record<…, true>`:
 *    missing or extra keys fail the build), for the integration test to hold real answers against.
 * 3. The endpoint calls exactly as its code builds them: data/client/basket.ts and product.ts
 *    (RTK Query endpoints, URLs from `buildClientRequestUrl`) through api/client.ts, the Next.js route
 *    that proxies them to the commerce URL (method, URL, headers and body as it forwards them).
 */
import type { Basket, BasketItem } from '@akinon/next/types/commerce/basket';
import type { Product } from '@akinon/next/types/commerce/product';
import type { UpsellDetail } from '@akinon/next/types/commerce/misc';
import type { AkinonBasketDocument, AkinonBasketItemDocument } from '../../src/api/akinon/basket.document.js';
import type { JsonDecimal } from '../../src/api/json.js';
import type { addProductBody, patchBasketBody, setQuantityBody } from '../../src/api/akinon/schemas.js';
import type { z } from 'zod';

// ---------------------------------------------------------------------------------------------------
// 1. Documents against @akinon/next's types.

/** A value as JSON carries it: our JsonDecimal is written as a bare number, a Date arrives as a string. */
type Json<T> = T extends JsonDecimal
  ? number
  : T extends Date
    ? string
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/** `T` with the fields `K` also allowed to be null. */
type Allowed<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };

/**
 * @akinon/next's Product as Akinon's API really answers it: `attribute_set` and `base_code` are null for
 * a product without them (the seed's example has `"attribute_set": 152`, Akinon sends null when unset).
 */
export type PzProduct = Allowed<Json<Product>, 'attribute_set' | 'base_code'>;
/** Its BasketItem: `image` and `shipping_discount` are null in Akinon's own answer (the seed's example). */
export type PzBasketItem = Allowed<Omit<Json<BasketItem>, 'product'>, 'image' | 'shipping_discount'> & { product: PzProduct };
/** Its Basket: `segment.pk` is null in Akinon's own answer (no user segment); the lists are null only for an unconfigured site. */
export type PzBasket = Omit<Json<Basket>, 'basketitem_set' | 'segment'> & {
  basketitem_set: PzBasketItem[];
  segment: { pk: number | null; price_list: number | null; stock_list: number | null };
};
/** A guest's basket that does not exist yet (answered without creating one): no pk, no dates. */
export type PzNotYetCreatedBasket = Allowed<PzBasket, 'pk' | 'created_date' | 'modified_date'>;

/** Compiles only when `T` is assignable to `U`. */
type Assignable<T extends U, U> = T;

// The rendered basket (every GET and write answer) is a Basket; the guest's not-yet-created one too.
export type BasketIsPz = Assignable<Json<AkinonBasketDocument>, PzBasket>;
export type EmptyBasketIsPz = Assignable<Json<AkinonBasketDocument<null>>, PzNotYetCreatedBasket>;
// A listed item (also the basket_items PATCH answer for a listed line) is a BasketItem.
export type ItemIsPz = Assignable<Json<AkinonBasketItemDocument>, PzBasketItem>;
// upsell_details entries are Akinon's UpsellDetail.
export type UpsellIsPz = Assignable<Json<AkinonBasketDocument['upsell_details'][number]>, UpsellDetail>;

// Its requests are bodies our schemas take (data/client/product.ts AddProductRequest, basket.ts
// UpdateQuantityRequest, the voucher bodies); `attributes: any` in both request types.
interface PzAddProductRequest {
  product: number;
  quantity: number;
  attributes: any;  
}
type PzUpdateQuantityRequest = PzAddProductRequest;
export type AddTakesPz = Assignable<PzAddProductRequest, z.input<ReturnType<typeof addProductBody>>>;
export type PutTakesPz = Assignable<PzUpdateQuantityRequest, z.input<ReturnType<typeof setQuantityBody>>>;
export type VoucherTakesPz = Assignable<{ voucher_code: string }, z.input<ReturnType<typeof patchBasketBody>>>;
export type RemoveVoucherTakesPz = Assignable<{ remove_voucher_code: true }, z.input<ReturnType<typeof patchBasketBody>>>;

// ---------------------------------------------------------------------------------------------------
// 2. The required keys, for runtime checks (tsc keeps these lists exactly the types' required keys).

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

export const BASKET_KEYS = {
  segment: true,
  unavailable_basket_products: true,
  upsell_details: true,
  voucher_code: true,
  total_amount: true,
  total_quantity: true,
  basketitem_set: true,
  created_date: true,
  discounts: true,
  modified_date: true,
  pk: true,
  total_discount_amount: true,
  total_product_amount: true,
  upsell_messages: true,
} satisfies Record<RequiredKeys<Basket>, true>;

export const ITEM_KEYS = {
  attributes: true,
  attributes_kwargs: true,
  discount_amount: true,
  offer_badges: true,
  parent: true,
  price: true,
  retail_price: true,
  stock: true,
  id: true,
  quantity: true,
  product: true,
  currency_type: true,
  currency_type_label: true,
  image: true,
  shipping_discount: true,
  tax_rate: true,
  total_amount: true,
  unit_price: true,
} satisfies Record<RequiredKeys<BasketItem>, true>;

export const PRODUCT_KEYS = {
  absolute_url: true,
  attribute_set: true,
  attributes: true,
  attributes_kwargs: true,
  base_code: true,
  basket_offers: true,
  currency_type: true,
  data_source: true,
  extra_attributes: true,
  form_schema: true,
  in_stock: true,
  is_ready_to_basket: true,
  name: true,
  pk: true,
  price: true,
  price_type: true,
  product_type: true,
  productimage_set: true,
  productvideo_set: true,
  retail_price: true,
  sku: true,
  stock: true,
  unit_type: true,
  created_date: true,
  modified_date: true,
  quantity: true,
} satisfies Record<RequiredKeys<Product>, true>;

// ---------------------------------------------------------------------------------------------------
// 3. The endpoint calls as @akinon/next builds them.

/** utils/index.ts `buildClientRequestUrl`: the browser-side URL of a client call. */
function buildClientRequestUrl(path: string, options?: Record<string, unknown>): string {
  let url = `/api/client${path}`;
  if (options) url += `${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(JSON.stringify(options))}`;
  return url;
}

/** data/urls.ts */
const urls = { basket: { getBasket: '/baskets/basket/' }, product: { addProduct: '/baskets/basket/' } };

/** What RTK Query's fetchBaseQuery sends from the browser for one endpoint call. */
export interface BrowserCall {
  readonly endpoint: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** The JSON body, or undefined for none. */
  readonly body: unknown;
  /** Which part of the answer the app keeps (transformResponse), or the whole answer. */
  readonly keeps: 'basket' | 'whole';
}

const json = { contentType: 'application/json' };

/** data/client/basket.ts and product.ts: each endpoint's query, as written there. */
export const pz = {
  getBasket: (): BrowserCall => ({ endpoint: 'getBasket', method: 'GET', url: buildClientRequestUrl(urls.basket.getBasket, json), body: undefined, keeps: 'basket' }),
  addProduct: (body: PzAddProductRequest): BrowserCall => ({ endpoint: 'addProduct', method: 'POST', url: buildClientRequestUrl(urls.product.addProduct, json), body, keeps: 'whole' }),
  updateQuantity: (body: PzUpdateQuantityRequest): BrowserCall => ({ endpoint: 'updateQuantity', method: 'PUT', url: buildClientRequestUrl(urls.basket.getBasket, json), body, keeps: 'whole' }),
  // `query: (body) => ({ …, method: 'DELETE', body })` with a void argument: no body from the browser.
  clearBasket: (): BrowserCall => ({ endpoint: 'clearBasket', method: 'DELETE', url: buildClientRequestUrl(urls.basket.getBasket, json), body: undefined, keeps: 'basket' }),
  applyVoucherCode: (body: { voucher_code: string }): BrowserCall => ({ endpoint: 'applyVoucherCode', method: 'PATCH', url: buildClientRequestUrl(urls.basket.getBasket, json), body, keeps: 'basket' }),
  removeVoucherCode: (): BrowserCall => ({ endpoint: 'removeVoucherCode', method: 'PATCH', url: buildClientRequestUrl(urls.basket.getBasket, json), body: { remove_voucher_code: true }, keeps: 'basket' }),
};

/** The request api/client.ts (`proxyRequest`) makes of a browser call, for `commerceUrl`. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query on the commerce host. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | undefined;
}

export function proxied(call: BrowserCall, browserHeaders: Record<string, string>, commerceUrl: string): ProxiedRequest {
  const u = new URL(call.url, 'https://storefront.example');
  const slug = `${u.pathname.replace(/^\/api\/client\//, '').replace(/\/$/, '')}/`;
  const options = { useTrailingSlash: true, useFormData: false, contentType: null as string | null, accept: 'application/json', responseType: 'json', ...JSON.parse(decodeURIComponent(u.searchParams.get('options') ?? '{}')) };
  const search = new URLSearchParams();
  for (const key of u.searchParams.keys()) if (!['slug', 'options'].includes(key)) search.append(key, `${u.searchParams.get(key)}`);
  // RTK Query's fetchBaseQuery sets JSON's content type for an object body.
  const fromBrowser: Record<string, string> = { ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...browserHeaders };
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(fromBrowser)) extra[k.toLowerCase()] = v;
  for (const h of ['x-forwarded-host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-requested-with', 'origin', 'host', 'referer', 'accept', 'content-length', 'content-type']) delete extra[h];
  const headers: Record<string, string> = { ...extra, 'X-Requested-With': 'XMLHttpRequest', Referer: commerceUrl, Accept: options.accept };
  if (options.contentType) headers['Content-Type'] = options.contentType;
  // Every method but GET forwards `await req.json()` (or {} when the browser sent no JSON) as JSON.
  const payload = call.method !== 'GET' ? JSON.stringify(call.body === undefined ? {} : call.body) : undefined;
  let url = `/${slug.replace(/,/g, '/')}`;
  if (!options.useTrailingSlash) url = url.replace(/\/$/, '');
  if (search.toString().length) url += `?${search.toString()}`;
  return { method: call.method, url, headers, payload };
}
