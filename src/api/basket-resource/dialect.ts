/**
 * What a dialect (OCAPI, SCAPI) supplies to the shared basket resource: paths, spelling, rendering. Its
 * own file so the resource's parts (register.ts, events.route.ts) import it without importing each other.
 */
import type { preValidationHookHandler } from 'fastify';
import type { z } from 'zod';
import type { BasketOperation } from './operations.js';

export interface BasketDialect {
  /** Names the dialect's operations (OpenAPI operationId prefix) and, unless `rendering` is given, its cached basket rendering. */
  readonly name: string;
  /** The cached rendering's name when another dialect renders alike (SCAPI v2 renders as v1). */
  readonly rendering?: string;
  /** Refuse coupon codes that cannot be used (SCAPI, as SFCC does) instead of keeping them with their status. */
  readonly verifiesCoupons?: boolean;
  /** OpenAPI tag. */
  readonly tag: string;
  /** The route path of an operation (given in OCAPI's form). */
  path(op: BasketOperation): string;
  /** Maps the request's own spelling onto OCAPI's form before validation (params, body). */
  readonly normalize?: preValidationHookHandler;
  /** Query parameters the dialect's routes take (documented and validated). */
  readonly querystring?: z.ZodType;
  /** Turns an OCAPI-form document (Basket, shipping/payment method results) into the response text. */
  render(document: object): string;
}
