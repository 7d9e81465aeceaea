/** zod schemas of the admin catalogue feed. Decimals come as strings or JSON numbers. */
import { z } from 'zod';
import { PROMOTION_DISCOUNT_TYPES, PROMOTION_KINDS, ROUNDING_MODES, TAXATIONS } from '../../domain/enumerations.js';

export const Code = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1..64)');
export const Sku = z.string().min(1).max(100).regex(/^[^\s\u0000-\u001f]+$/, 'no spaces or control characters');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

/** A decimal amount ≥ 0 as text: "12.50" or 12.5 (a JSON number is taken by its shortest decimal text). */
export const DecimalText = z
  .union([z.string().trim().regex(/^\d{1,15}(\.\d{1,6})?$/, 'a decimal such as "12.50"'), z.number().finite().nonnegative()])
  .transform((v) => (typeof v === 'number' ? String(v) : v))
  .refine((v) => /^\d{1,15}(\.\d{1,6})?$/.test(v), 'a decimal with at most 15 integer and 6 fraction digits');

export const SiteBody = z.object({
  currency: Currency,
  price_list: Code,
  stock_list: Code,
  taxation: z.enum(TAXATIONS).default('gross'),
  tax_rounded_at_group: z.boolean().default(false),
  rounding_mode: z.enum(ROUNDING_MODES).default('half_up'),
  /** Offered as the default in shipping-method lists; it need not exist yet (a list offers it only while it does). */
  default_shipping_method_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'invalid shipping method id').nullable().default(null),
}).strict();

export const ProductsBody = z.object({
  products: z
    .array(
      z.object({
        sku: Sku,
        name: z.string().min(1).max(500).regex(/^[^\u0000]*$/, 'must not contain NUL characters'),
        tax_rate: DecimalText.refine((v) => Number(v) < 10, 'a fraction such as "0.18"'),
        online: z.boolean().default(true),
        image: z.string().max(2000).regex(/^[^\u0000]*$/, 'must not contain NUL characters').nullable().default(null),
        attributes: z
          .record(z.string(), z.unknown())
          .default({})
          .refine((a) => !JSON.stringify(a).includes('\\u0000'), 'must not contain NUL characters'),
      }).strict(),
    )
    .min(1)
    .max(1000),
}).strict();

export const PriceListBody = z.object({
  currency: Currency,
  prices: z.array(z.object({ sku: Sku, price: DecimalText, retail_price: DecimalText.nullable().default(null) }).strict()).max(10_000),
}).strict();

export const StockListBody = z.object({
  stocks: z.array(z.object({ sku: Sku, quantity: z.number().int().min(0).max(1_000_000_000) }).strict()).max(10_000),
}).strict();

export const ShippingMethodBody = z
  .object({
    name: z.string().min(1).max(256).regex(/^[^\u0000]*$/, 'must not contain NUL characters'),
    price: DecimalText,
    tax_rate: DecimalText.refine((v) => Number(v) < 10, 'a fraction such as "0.18"'),
    free_over: DecimalText.nullable().default(null),
    /** A store pickup method: rendered `c_storePickupEnabled: true`, chosen by a pickup shipment (price usually 0). */
    store_pickup: z.boolean().default(false),
  })
  .strict();

const StoreText = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters');

/** A store (pickup): what the app shows and copies into the pickup shipment's address, and its stock list. */
export const StoreBody = z
  .object({
    name: StoreText(256),
    stock_list: Code,
    address1: StoreText(256).nullable().default(null),
    city: StoreText(128).nullable().default(null),
    postal_code: StoreText(32).nullable().default(null),
    state_code: StoreText(16).nullable().default(null),
    country_code: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US').nullable().default(null),
    phone: StoreText(64).nullable().default(null),
  })
  .strict();

export const RecalculateBody = z
  .object({ skus: z.array(Sku).max(1000).default([]), sites: z.array(Code).max(100).default([]) })
  .strict()
  .refine((b) => b.skus.length + b.sites.length > 0, 'name at least one SKU or site');

const Timestamp = z.string().datetime({ offset: true }).transform((v) => new Date(v));

/**
 * A promotion (semantics in README "Promotions"): a campaign applies by itself, a coupon
 * while its code is in the basket. `skus` makes it product-level (an amount is then off each unit).
 */
export const PromotionBody = z
  .object({
    kind: z.enum(PROMOTION_KINDS),
    name: z.string().min(1).max(256).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters'),
    site: Code.nullable().default(null),
    enabled: z.boolean().default(true),
    starts_at: Timestamp.nullable().default(null),
    ends_at: Timestamp.nullable().default(null),
    discount: z.object({ type: z.enum(PROMOTION_DISCOUNT_TYPES), value: DecimalText.optional() }).strict(),
    skus: z.array(Sku).min(1).max(1000).nullable().default(null),
    min_amount: DecimalText.nullable().default(null),
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    exclusive: z.boolean().default(false),
    redemption_limit: z.number().int().min(0).max(2_000_000_000).nullable().default(null),
    // Absent: kept as counted (a PUT that edits a promotion must not undo reported redemptions).
    redeemed: z.number().int().min(0).max(2_000_000_000).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const { type, value } = b.discount;
    if (type !== 'free_shipping' && value === undefined) ctx.addIssue({ code: 'custom', path: ['discount', 'value'], message: `a ${type} discount needs a value` });
    if (type === 'percentage' && value !== undefined && Number(value) > 100) ctx.addIssue({ code: 'custom', path: ['discount', 'value'], message: 'a percentage is at most 100' });
    if (type === 'free_shipping' && b.skus !== null) ctx.addIssue({ code: 'custom', path: ['skus'], message: 'free shipping applies to the shipment, not to SKUs' });
    if (b.starts_at && b.ends_at && b.ends_at <= b.starts_at) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
    if (b.kind === 'campaign' && b.redemption_limit !== null) ctx.addIssue({ code: 'custom', path: ['redemption_limit'], message: 'only coupons have a redemption limit' });
  });

export const RedemptionsBody = z.object({ count: z.number().int().min(1).max(1_000_000) }).strict();

export const PaymentMethodBody = z
  .object({
    name: z.string().min(1).max(256).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters'),
    enabled: z.boolean().default(true),
    card_types: z.array(z.string().min(1).max(64).regex(/^[^\u0000-\u001f]+$/)).max(50).default([]),
  })
  .strict();

export const SiteParams = z.object({ site_id: Code });
export const ShippingMethodParams = z.object({ site_id: Code, id: Code });
export const CodeParams = z.object({ code: Code });
export const PromotionParams = z.object({ code: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces') });
export const StockParams = z.object({ code: Code, sku: Sku });
export const BasketIdParams = z.object({ basket_id: z.string().uuid() });

/** Rejects a list that names the same SKU twice (the result would depend on order). */
export function assertUniqueSkus(items: readonly { sku: string }[]): string | null {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.sku)) return i.sku;
    seen.add(i.sku);
  }
  return null;
}

/** Paging of a basket's mutation log (`cursor` as given by the previous page). */
export const HistoryQuery = z
  .object({
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
  })
  .strict();
