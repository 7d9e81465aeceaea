/**
 * One error type for everything the API answers with a non-2xx status. Each dialect renders it its own
 * way (OCAPI fault document, problem+json for admin and native endpoints); `code` is stable, `retryable`
 * tells clients whether the same request may succeed later.
 */
import { ServiceUnavailableError } from '../application/submit-mutation.js';
import type { RejectionCode } from '../domain/mutations.js';

/**
 * Every business rejection the worker can record is an API error too (one list, in the domain), plus the
 * errors only the HTTP edge produces.
 */
export type ApiErrorCode =
  | RejectionCode
  | 'malformed_json'
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'promotion_not_found'
  | 'idempotency_conflict'
  | 'rate_limited'
  | 'basket_busy'
  | 'basket_limit_exceeded'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_streams'
  | 'service_unavailable'
  | 'operation_not_supported'
  | 'internal_error';

const STATUS: Record<ApiErrorCode, number> = {
  malformed_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  basket_not_found: 404,
  site_not_found: 404,
  product_not_found: 400,
  product_without_price: 400,
  item_not_found: 404,
  quantity_limit_exceeded: 400,
  line_limit_exceeded: 400,
  product_item_not_available: 409,
  basket_exists: 409,
  conflict: 409,
  resource_state_conflict: 409,
  currency_not_supported: 400,
  shipment_not_found: 404,
  shipment_id_in_use: 400,
  shipment_limit_exceeded: 400,
  default_shipment_not_removable: 403,
  shipping_method_not_found: 400,
  store_not_found: 400,
  inventory_list_not_found: 400,
  inventory_not_of_store: 400,
  price_adjustment_not_found: 404,
  // The expiry sweep's own rejection (nothing had expired); never answered to a shopper.
  nothing_to_expire: 409,
  coupon_already_in_basket: 400,
  coupon_limit_exceeded: 400,
  coupon_item_not_found: 404,
  coupon_not_applicable: 400,
  payment_method_not_found: 400,
  payment_instrument_limit_exceeded: 400,
  payment_instrument_not_found: 404,
  payment_amount_invalid: 400,
  custom_properties_limit_exceeded: 400,
  basket_transfer_conflict: 409,
  // A SCAPI method this service does not carry out (gift certificates, tax mode external, several shipments, …).
  operation_not_supported: 400,
  promotion_not_found: 404,
  idempotency_conflict: 422,
  rate_limited: 429,
  basket_busy: 429,
  basket_limit_exceeded: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_streams: 429,
  service_unavailable: 503,
  internal_error: 500,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = STATUS[code];
    this.retryable = code === 'service_unavailable' || code === 'internal_error' || code === 'rate_limited' || code === 'basket_busy';
  }
}

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return code in STATUS;
}

/** Turns whatever Fastify or a handler threw into an ApiError (unknown errors become internal_error). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ServiceUnavailableError) return new ApiError('service_unavailable', 'The service cannot take this change right now; retry later.');
  const e = err as {
    code?: string;
    statusCode?: number;
    validation?: { instancePath?: string; message?: string }[];
    validationContext?: string;
    message?: string;
  };
  if (Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'body';
    const issues = e.validation.map((v) => `${where}${(v.instancePath ?? '').replace(/\//g, '.')}: ${v.message ?? 'invalid'}`);
    return new ApiError('invalid_request', issues.join('; '), issues);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('malformed_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Send the request body as application/json.');
  }
  if (e.statusCode === 400 && typeof e.message === 'string') {
    return new ApiError(e.message.includes('JSON') ? 'malformed_json' : 'invalid_request', e.message);
  }
  return new ApiError('internal_error', 'Internal error.');
}
