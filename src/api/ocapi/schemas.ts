/** zod schemas of the OCAPI basket endpoints (bodies, params). Unknown non-custom properties are refused. */
import { z } from 'zod';
import { ADJUSTMENT_LEVELS, ADJUSTMENT_TYPES } from '../../domain/enumerations.js';
import type { PaymentInstrument } from '../../domain/types.js';

export const SiteParams = z.object({ site_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid site id') });
export const BasketParams = SiteParams.extend({ basket_id: z.string().min(1).max(64) });
export const ItemParams = BasketParams.extend({ item_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid item id') });

/** True when any string inside the value holds a NUL character (PostgreSQL refuses it in text and jsonb). */
export function containsNul(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes('\\u0000');
}

/** Custom attributes (`c_*`) ride along; anything else not declared is an error, as in OCAPI. */
const CUSTOM_KEY = /^c_[A-Za-z0-9_]{1,64}$/;
function withCustom<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!(key in shape) && !CUSTOM_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown property '${key}'` });
        else if (containsNul(value[key])) ctx.addIssue({ code: 'custom', path: [key], message: 'must not contain NUL characters' });
      }
    });
}

export function customOf(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => CUSTOM_KEY.test(k)));
}

/** Optional: Fastify validates an absent body as null. */
export const CreateBasketBody = withCustom({}).nullish();

export const UpdateBasketBody = withCustom({
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').optional(),
  source_code: z.string().min(1).max(256).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters').nullable().optional(),
  _resource_state: z.string().min(1).max(128).optional(),
});

const text = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters');

const ProductId = z.string().min(1).max(100).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters');
/**
 * What a storefront sends along with an item: the `price` it showed, taken but never trusted or kept
 * (prices always come from the site's price list); `shipment_id`, the shipment it goes into (one the
 * basket has, checked by the worker); `inventory_id`, the stock list holding its units (the site's or one
 * of its stores', checked by the worker: store pickup).
 */
const ItemExtras = {
  price: z.number().finite().nonnegative().optional(),
  shipment_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid shipment id').optional(),
  inventory_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'invalid inventory id').optional(),
  gift: z.boolean().optional(),
  gift_message: z.string().max(1000).regex(/^[^\u0000]*$/, 'must not contain NUL characters').nullable().optional(),
};

export function productItemsBody(maxQuantity: number, maxLines: number) {
  return z
    .array(withCustom({ product_id: ProductId, quantity: z.number().int().min(1).max(maxQuantity), ...ItemExtras }))
    .min(1)
    .max(maxLines);
}

/** One product item's changes (SCAPI ProductItem): quantity (0 removes), another product (variant swap), gift. */
export function updateItemBody(maxQuantity: number) {
  return withCustom({ quantity: z.number().int().min(0).max(maxQuantity).optional(), product_id: ProductId.optional(), ...ItemExtras });
}

/** SCAPI updateItemsInBasket: item updates, each naming its `item_id`. */
export function updateItemsBody(maxQuantity: number, maxLines: number) {
  return z
    .array(withCustom({ item_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid item id'), quantity: z.number().int().min(0).max(maxQuantity).optional(), product_id: ProductId.optional(), ...ItemExtras }))
    .min(1)
    .max(maxLines);
}

/** OCAPI OrderAddress (the fields a storefront sends; `c_*` custom properties ride along). */
export const OrderAddressBody = withCustom({
  first_name: text(128).optional(),
  second_name: text(128).optional(),
  last_name: text(128).optional(),
  full_name: text(256).optional(),
  salutation: text(64).optional(),
  title: text(64).optional(),
  suffix: text(64).optional(),
  job_title: text(128).optional(),
  company_name: text(256).optional(),
  address1: text(256).optional(),
  address2: text(256).optional(),
  suite: text(64).optional(),
  post_box: text(64).optional(),
  city: text(128).optional(),
  postal_code: text(32).optional(),
  state_code: text(16).optional(),
  country_code: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US').optional(),
  phone: text(64).optional(),
});

export const CustomerBody = z
  .object({
    email: z.string().max(256).email(),
    customer_no: text(100).optional(),
  })
  .strict();

export const ShipmentParams = BasketParams.extend({ shipment_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid shipment id') });

const ShipmentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid shipment id');

/** A shipment's fields as createShipmentForBasket / updateShipmentForBasket take them. */
const ShipmentFields = {
  shipping_address: OrderAddressBody.optional(),
  shipping_method: z
    .object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'invalid shipping method id') })
    .strict()
    .optional(),
  gift: z.boolean().optional(),
  gift_message: z.string().max(1000).regex(/^[^\u0000]*$/, 'must not contain NUL characters').nullable().optional(),
};

/** createShipmentForBasket: `shipment_id` as the client chose it (absent: one is made). */
export const CreateShipmentBody = withCustom({ shipment_id: ShipmentId.optional(), ...ShipmentFields });

/** updateShipmentForBasket: the shipment is the path's; a `shipment_id` in the body must name it. */
export const UpdateShipmentBody = withCustom({ shipment_id: ShipmentId.optional(), ...ShipmentFields });

export const ShippingMethodChoiceBody = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'invalid shipping method id') }).strict();

const DiscountValue = z
  .union([z.number().finite().nonnegative(), z.string().trim().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a non-negative decimal')])
  .transform((v) => String(v))
  .refine((v) => /^\d{1,12}(\.\d{1,6})?$/.test(v), 'a non-negative decimal with at most 6 fraction digits');

export const DiscountBody = z
  .object({ type: z.enum(ADJUSTMENT_TYPES), value: DiscountValue })
  .strict()
  .refine((d) => d.type !== 'percentage' || Number(d.value) <= 100, { message: 'a percentage is at most 100', path: ['value'] });

export const PriceAdjustmentBody = withCustom({
  level: z.enum(ADJUSTMENT_LEVELS),
  item_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid item id').optional(),
  discount: DiscountBody,
  reason_code: text(64).optional(),
  item_text: text(256).optional(),
}).refine((b) => (b.level === 'product') === (b.item_id !== undefined), { message: 'item_id is required for level product, and only for it', path: ['item_id'] });

export const PriceAdjustmentPatchBody = withCustom({
  discount: DiscountBody.optional(),
  reason_code: text(64).nullable().optional(),
  item_text: text(256).nullable().optional(),
});

export const AdjustmentParams = BasketParams.extend({ price_adjustment_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid price adjustment id') });

export const CouponBody = z.object({ code: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces') }).strict();

export const CouponParams = BasketParams.extend({ coupon_item_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid coupon item id') });

/**
 * OCAPI OrderPaymentInstrumentRequest. A card `number` is accepted only to be masked at once (its
 * last four digits kept); `security_code` is accepted and dropped: neither is ever stored.
 */
export const PaymentInstrumentBody = z
  .object({
    payment_method_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'invalid payment method id'),
    amount: DiscountValue.optional(),
    payment_card: z
      .object({
        card_type: text(64),
        number: z.string().regex(/^\d{12,19}$/, '12 to 19 digits').optional(),
        masked_number: z.string().regex(/^[*\dX x-]{4,32}$/, 'digits and mask characters').optional(),
        holder: text(128).optional(),
        expiration_month: z.number().int().min(1).max(12).optional(),
        expiration_year: z.number().int().min(2000).max(2200).optional(),
        security_code: z.string().regex(/^\d{3,4}$/).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** SCAPI updatePaymentInstrumentInBasket: any fields of the instrument (the checkout sends `{amount}`). */
export const PaymentInstrumentPatchBody = z
  .object({
    payment_method_id: PaymentInstrumentBody.shape.payment_method_id.optional(),
    amount: DiscountValue.optional(),
    payment_card: PaymentInstrumentBody.shape.payment_card,
  })
  .strict();

export const PaymentInstrumentParams = BasketParams.extend({ payment_instrument_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid payment instrument id') });

/** The instrument as kept: masked card number, no security code. */
export function paymentInstrumentOf(b: z.infer<typeof PaymentInstrumentBody>): Omit<PaymentInstrument, 'id'> {
  const card = b.payment_card;
  const digits = card?.number ?? card?.masked_number?.replace(/\D/g, '') ?? null;
  return {
    methodId: b.payment_method_id,
    amount: b.amount ?? null,
    card: card
      ? {
          cardType: card.card_type,
          holder: card.holder ?? null,
          maskedNumber: digits === null || digits.length < 4 ? null : `${'*'.repeat(Math.max(0, (card.number ?? '0000000000000000').length - 4))}${digits.slice(-4)}`,
          expirationMonth: card.expiration_month ?? null,
          expirationYear: card.expiration_year ?? null,
        }
      : null,
  };
}

/**
 * A request body as it may be kept (hashed for Idempotency-Key reuse detection, which is stored): a card
 * number reduced to its masked form, a security code dropped. A hash of the full number would be
 * searchable offline, since the rest of the card is stored in the clear.
 */
export function withoutCardSecrets(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('payment_card' in body)) return body;
  const b = body as z.infer<typeof PaymentInstrumentBody>;
  const { payment_card: card, ...rest } = b;
  if (!card) return body;
  const { number: _number, security_code: _code, ...kept } = card;
  return { ...rest, payment_card: { ...kept, masked_number: paymentInstrumentOf(b).card?.maskedNumber ?? null } };
}
