/**
 * SCAPI spells OCAPI's resource in camelCase with hyphenated path segments and no `_v`/`_type`
 * markers. These conversions map one spelling onto the other; custom properties (`c_*`) keep their
 * names in both. Values are left alone (a `JsonDecimal` stays a decimal).
 */
import { ApiError } from '../errors.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export function snakeToCamel(key: string): string {
  return key.startsWith('c_') ? key : key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function camelToSnake(key: string): string {
  return key.startsWith('c_') ? key : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** An OCAPI-form document in SCAPI's spelling: camelCase keys, `_`-prefixed markers dropped. */
export function toScapiDocument(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toScapiDocument);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  // Custom properties are the client's own data: their values pass through as they are. A flash's
  // JSON path points into the document, so it follows its spelling.
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('_')) continue;
    out[snakeToCamel(k)] = k.startsWith('c_') ? v : k === 'path' && typeof v === 'string' && v.startsWith('$') ? toScapiFieldPath(v) : toScapiDocument(v);
  }
  return out;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A SCAPI request body in OCAPI's spelling (snake_case keys), for the shared validation. */
export function toOcapiBody(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOcapiBody);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = camelToSnake(k);
    // `_Proto__` spells `__proto__`: the JSON parser's poisoning guard never saw that key, so refuse it here.
    if (FORBIDDEN_KEYS.has(key)) throw new ApiError('invalid_request', `body: unknown property '${k}'`);
    out[key] = k.startsWith('c_') ? v : toOcapiBody(v);
  }
  return out;
}

/** OCAPI path `/baskets/:basket_id/shipping_address` in SCAPI's form `/baskets/:basketId/shipping-address`. */
export function toScapiPath(path: string): string {
  return path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? `:${snakeToCamel(seg.slice(1))}` : seg.replace(/_/g, '-')))
    .join('/');
}

/** A generated JSON schema (OpenAPI) with its property names in SCAPI's spelling. */
export function toScapiJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toScapiJsonSchema);
  if (!isPlainObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isPlainObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).filter(([p]) => p !== 'site_id').map(([p, s]) => [snakeToCamel(p), toScapiJsonSchema(s)]));
    } else if (k === 'required' && Array.isArray(v)) {
      out[k] = v.filter((p) => p !== 'site_id').map((p) => (typeof p === 'string' ? snakeToCamel(p) : p));
    } else {
      out[k] = toScapiJsonSchema(v);
    }
  }
  return out;
}

/** A SCAPI route's generated schema in SCAPI's spelling, with the `organizationId` path parameter it takes. */
export function scapiRouteSchema(schema: unknown): unknown {
  const out = toScapiJsonSchema(schema) as { params?: { properties?: Record<string, unknown>; required?: string[] } };
  const params = out.params ?? { type: 'object', properties: {}, required: [] };
  return {
    ...out,
    params: { ...params, properties: { organizationId: { type: 'string', description: 'Accepted as given (one organization per service).' }, ...params.properties }, required: ['organizationId', ...(params.required ?? [])] },
  };
}

/** A field path in OCAPI's spelling (`$.product_items[0]`, `body.payment_card.number`) in SCAPI's. */
export function toScapiFieldPath(path: string): string {
  return path.replace(/[a-z][a-z0-9]*(?:_[a-z0-9]+)+/g, (word) => snakeToCamel(word));
}
