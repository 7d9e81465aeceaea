/** OCAPI fault documents: `{"_v":"23.2","fault":{"type":"…Exception","message":"…"}}` with the HTTP status. */
import type { ApiError, ApiErrorCode } from '../errors.js';
import { OCAPI_VERSION } from './basket.document.js';

const FAULT_TYPE: Record<ApiErrorCode, string> = {
  malformed_json: 'MalformedDocumentException',
  invalid_request: 'PropertyConstraintViolationException',
  unauthorized: 'InvalidAccessTokenException',
  forbidden: 'AccessWithoutPermissionException',
  not_found: 'ResourcePathNotFoundException',
  basket_not_found: 'BasketNotFoundException',
  site_not_found: 'SiteNotFoundException',
  product_not_found: 'ProductNotFoundException',
  product_without_price: 'ProductPriceNotDefinedException',
  item_not_found: 'ProductItemNotFoundException',
  quantity_limit_exceeded: 'InvalidProductItemQuantityException',
  line_limit_exceeded: 'ProductItemQuotaExceededException',
  product_item_not_available: 'ProductItemNotAvailableException',
  basket_exists: 'BasketAlreadyExistsException',
  conflict: 'ResourceStateConflictException',
  resource_state_conflict: 'ResourceStateConflictException',
  currency_not_supported: 'UnsupportedCurrencyException',
  shipment_not_found: 'ShipmentNotFoundException',
  shipment_id_in_use: 'InvalidShipmentIdException',
  shipment_limit_exceeded: 'ShipmentQuotaExceededException',
  default_shipment_not_removable: 'DefaultShipmentDeletionForbiddenException',
  shipping_method_not_found: 'ShippingMethodNotFoundException',
  store_not_found: 'StoreNotFoundException',
  inventory_list_not_found: 'InventoryListNotFoundException',
  inventory_not_of_store: 'InvalidInventoryIdException',
  price_adjustment_not_found: 'PriceAdjustmentNotFoundException',
  nothing_to_expire: 'ResourceStateConflictException',
  coupon_already_in_basket: 'DuplicateCouponCodeException',
  coupon_limit_exceeded: 'CouponItemQuotaExceededException',
  coupon_item_not_found: 'CouponItemNotFoundException',
  coupon_not_applicable: 'InvalidCouponCodeException',
  payment_method_not_found: 'InvalidPaymentMethodIdException',
  payment_instrument_limit_exceeded: 'PaymentInstrumentQuotaExceededException',
  payment_instrument_not_found: 'PaymentInstrumentNotFoundException',
  payment_amount_invalid: 'InvalidPaymentAmountException',
  custom_properties_limit_exceeded: 'PropertyConstraintViolationException',
  basket_transfer_conflict: 'BasketTransferException',
  operation_not_supported: 'UnsupportedOperationException',
  promotion_not_found: 'PromotionNotFoundException',
  idempotency_conflict: 'IdempotencyKeyReusedException',
  rate_limited: 'TooManyRequestsException',
  basket_busy: 'TooManyRequestsException',
  basket_limit_exceeded: 'CustomerBasketsQuotaExceededException',
  payload_too_large: 'RequestEntityTooLargeException',
  unsupported_media_type: 'UnsupportedMediaTypeException',
  too_many_streams: 'QuotaExceededException',
  service_unavailable: 'ServiceUnavailableException',
  internal_error: 'InternalServerErrorException',
};

/** OCAPI's exception name for an error (SCAPI derives its error type from it too). */
export function faultType(err: ApiError): string {
  return FAULT_TYPE[err.code];
}

export function faultDocument(err: ApiError) {
  return { _v: OCAPI_VERSION, fault: { type: faultType(err), message: err.message } };
}
