/**
 * Django REST framework-style errors for the Akinon dialect: `{"detail": "…"}` for request-level
 * failures (401, 404, 413, 415, 422, 503…) and `{"field": ["message", …]}` for what is wrong with a
 * field (400). Business rejections from the worker are mapped onto the field they are about.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { toApiError } from '../errors.js';
import { REQUIRED } from './schemas.js';

export type DrfBody = { detail: string } | Record<string, string[]>;

/** An answer already in DRF shape, thrown by handlers. */
export class AkinonError extends Error {
  override readonly name = 'AkinonError';
  constructor(readonly status: number, readonly body: DrfBody, readonly headers: Record<string, string> = {}) {
    super(JSON.stringify(body));
  }
}

export const NON_FIELD = 'non_field_errors';

export function fieldError(field: string, message: string): AkinonError {
  return new AkinonError(400, { [field]: [message] });
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly message?: string;
}

/** Groups validation issues by their top-level field (root issues under `non_field_errors`). */
function fieldsOf(issues: readonly ValidationIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = (issue.instancePath ?? '').split('/').filter(Boolean)[0] ?? NON_FIELD;
    const list = (out[field] ??= []);
    const message = issue.message ?? 'Invalid value.';
    if (!list.includes(message)) list.push(message);
  }
  return out;
}

/** DRF's complaint about a body that is not a JSON object. */
function nonObjectBody(body: unknown): string {
  const type = Array.isArray(body) ? 'list' : body === null ? 'NoneType' : typeof body === 'string' ? 'str' : typeof body === 'number' ? 'int' : typeof body === 'boolean' ? 'bool' : typeof body;
  return `Invalid data. Expected a dictionary, but got ${type}.`;
}

/** A body schema's field errors for an absent body (DRF validates `{}`: each required field is named). */
function errorsForEmptyBody(req: FastifyRequest): Record<string, string[]> {
  const schema = (req.routeOptions.schema as { body?: ZodType } | undefined)?.body;
  const parsed = schema?.safeParse({});
  if (!parsed || parsed.success) return { [NON_FIELD]: [REQUIRED] };
  return fieldsOf(parsed.error.issues.map((i) => ({ instancePath: `/${i.path.join('/')}`, message: i.message })));
}

/** Which field a worker rejection is about, per rejection code (basket_items answers `id` for a missing item). */
function fieldOfRejection(code: string, onBasketItems: boolean): string | null {
  switch (code) {
    case 'product_not_found':
    case 'product_without_price':
      return 'product';
    case 'product_item_not_available':
    case 'quantity_limit_exceeded':
      return 'quantity';
    case 'coupon_not_applicable':
    case 'coupon_already_in_basket':
    case 'coupon_limit_exceeded':
      return 'voucher_code';
    case 'item_not_found':
      return onBasketItems ? 'id' : 'product';
    case 'line_limit_exceeded':
    case 'custom_properties_limit_exceeded':
      return NON_FIELD;
    default:
      return null;
  }
}

/** The status, headers and DRF body for whatever a handler or Fastify threw. */
export function drfError(err: unknown, req: FastifyRequest): AkinonError {
  if (err instanceof AkinonError) return err;
  const e = err as { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(e.validation)) {
    if (e.validationContext === 'body' && (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))) {
      return new AkinonError(400, req.body === undefined ? errorsForEmptyBody(req) : { [NON_FIELD]: [nonObjectBody(req.body)] });
    }
    return new AkinonError(400, fieldsOf(e.validation));
  }
  const apiError = toApiError(err);
  if (apiError.code === 'malformed_json') return new AkinonError(400, { detail: 'JSON parse error - the request body is not valid JSON.' });
  if (apiError.code === 'basket_not_found' || apiError.code === 'not_found') return new AkinonError(404, { detail: 'Not found.' });
  const field = apiError.status === 400 || apiError.code === 'product_item_not_available' ? fieldOfRejection(apiError.code, isBasketItemsRoute(req)) : null;
  if (field !== null) return new AkinonError(400, { [field]: [apiError.message] });
  if (apiError.code === 'service_unavailable') return new AkinonError(503, { detail: apiError.message }, { 'retry-after': '1' });
  if (apiError.code === 'site_not_found') return new AkinonError(500, { detail: 'The Akinon site is not configured (AKINON_SITE).' });
  return new AkinonError(apiError.status, { detail: apiError.status >= 500 ? 'A server error occurred.' : apiError.message });
}

function isBasketItemsRoute(req: FastifyRequest): boolean {
  return (req.routeOptions.url ?? req.url).includes('basket_items');
}

/** Installs the DRF error and not-found handlers on this plugin scope. */
export function useDrfErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const drf = drfError(err, req);
    if (drf.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(drf.status).headers(drf.headers).type('application/json; charset=utf-8').send(drf.body);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('application/json; charset=utf-8').send({ detail: 'Not found.' }));
}
