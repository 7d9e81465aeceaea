/**
 * zod schemas of the Akinon basket endpoints. Like Django REST framework: unknown fields are ignored,
 * integers may come as JSON numbers or digit strings, and every message is DRF's wording, so a
 * validation failure renders as `{"field": ["message"]}`.
 */
import { z } from 'zod';

export const REQUIRED = 'This field is required.';
const NOT_NULL = 'This field may not be null.';

/** The DRF message for a value of the wrong type (or a missing / null one). */
function typeError(invalid: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? REQUIRED : issue.input === null ? NOT_NULL : invalid);
}

/** An integer field (JSON number or digit string, as DRF's IntegerField takes) within [min, max]. */
function integer(min: number, max: number) {
  return z
    .union([z.number(), z.string()], { error: typeError('A valid integer is required.') })
    .superRefine((v, ctx) => {
      const n = typeof v === 'number' ? v : /^\s*-?\d{1,16}\s*$/.test(v) ? Number(v) : Number.NaN;
      if (!Number.isSafeInteger(n)) ctx.addIssue({ code: 'custom', message: 'A valid integer is required.' });
      else if (n < min) ctx.addIssue({ code: 'custom', message: `Ensure this value is greater than or equal to ${min}.` });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `Ensure this value is less than or equal to ${max}.` });
    })
    .transform((v) => Number(v));
}

const boolean = z.boolean({ error: typeError('Must be a valid boolean.') });

/** A code as a storefront sends it: printable, no control characters. */
const code = z
  .string({ error: typeError('Not a valid string.') })
  .min(1, 'This field may not be blank.')
  .max(255, 'Ensure this field has no more than 255 characters.')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'Must not contain control characters.');

/** Product options of a line (Akinon `attributes`): a JSON object of at most 50 keys, no NUL characters (PostgreSQL jsonb refuses them). */
export const Attributes = z
  .record(z.string().min(1).max(128), z.unknown(), { error: (issue) => (issue.input === null ? NOT_NULL : `Expected a dictionary of items but got type "${Array.isArray(issue.input) ? 'list' : typeof issue.input}".`) })
  .superRefine((value, ctx) => {
    if (Object.keys(value).length > 50) ctx.addIssue({ code: 'custom', message: 'Ensure this field has no more than 50 attributes.' });
    const text = JSON.stringify(value);
    if (text.includes('\\u0000')) ctx.addIssue({ code: 'custom', message: 'Must not contain NUL characters.' });
    if (text.length > 8192) ctx.addIssue({ code: 'custom', message: 'Ensure this field has no more than 8192 characters as JSON.' });
  });

/**
 * Fields Akinon documents that this service does not carry out: `sub_items` (child lines of a product,
 * Akinon's `parent`) and `inquiry` (exchange details). Sent with content they are refused (400 on that
 * field), never accepted and dropped; absent, null or empty they ask for nothing and pass.
 */
function unsupported(message: string) {
  return z
    .unknown()
    .optional()
    .superRefine((v, ctx) => {
      const empty = v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
      if (!empty) ctx.addIssue({ code: 'custom', message });
    });
}
const subItems = () => unsupported('Sub items are not supported: add each product as a line of its own.').describe('Not supported: refused unless absent, null or empty.');
const inquiry = () => unsupported('Exchange inquiries are not supported by this basket.').describe('Not supported: refused unless absent, null or empty.');

/** The biggest product pk and line id we take (Akinon ids are integers; a line id here is 48 bits). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

export function addProductBody(maxQuantity: number) {
  return z.object({
    product: integer(1, MAX_ID).describe("The product's integer pk (Akinon `product`)."),
    quantity: integer(1, maxQuantity).describe('Units to add (adds up with what the basket has).'),
    attributes: Attributes.optional().describe("Product options; replace the line's when given."),
    sub_items: subItems(),
    inquiry: inquiry(),
  });
}

export function setQuantityBody(maxQuantity: number) {
  return z.object({
    product: integer(1, MAX_ID),
    quantity: integer(0, maxQuantity).describe('The quantity the line gets; 0 removes it.'),
    attributes: Attributes.optional(),
    sub_items: subItems(),
    inquiry: inquiry(),
  });
}

/**
 * PATCH: either `{product, quantity, attributes?}` (as PUT) or the offer codes: `voucher_code` (verified
 * at once), `remove_voucher_code: true` (removes the voucher and, unless `external_offer_code` is in the
 * same request, the external code too), `external_offer_code` (kept unverified; null clears it).
 */
export function patchBasketBody(maxQuantity: number) {
  return z
    .object({
      product: integer(1, MAX_ID).optional(),
      quantity: integer(0, maxQuantity).optional(),
      attributes: Attributes.optional(),
      sub_items: subItems(),
      inquiry: inquiry(),
      voucher_code: code.optional(),
      remove_voucher_code: boolean.optional(),
      external_offer_code: code.nullable().optional(),
    })
    .superRefine((b, ctx) => {
      const codes = b.voucher_code !== undefined || b.remove_voucher_code !== undefined || b.external_offer_code !== undefined;
      const item = b.product !== undefined || b.quantity !== undefined || b.attributes !== undefined;
      if (item && codes) {
        ctx.addIssue({ code: 'custom', path: [], message: 'Send either product and quantity or offer codes, not both.' });
        return;
      }
      if (item) {
        if (b.product === undefined) ctx.addIssue({ code: 'custom', path: ['product'], message: REQUIRED });
        if (b.quantity === undefined) ctx.addIssue({ code: 'custom', path: ['quantity'], message: REQUIRED });
        return;
      }
      if (!codes) {
        ctx.addIssue({ code: 'custom', path: [], message: 'Send product and quantity, or voucher_code, remove_voucher_code or external_offer_code.' });
        return;
      }
      if (b.voucher_code !== undefined && b.remove_voucher_code === true) {
        ctx.addIssue({ code: 'custom', path: ['voucher_code'], message: 'Cannot be combined with remove_voucher_code.' });
      }
    });
}

export const BasketItemPatchBody = z.object({
  id: integer(1, MAX_ID).describe('The basket item id (`basketitem_set[].id`).'),
  is_all: boolean.default(true).describe('true: the whole line gets the attributes; false: one unit of it is split off into a line of its own.'),
  attributes: Attributes.optional().describe("The line's new attributes (absent: unchanged)."),
});
