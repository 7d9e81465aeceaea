/**
 * What a dialect (OCAPI, SCAPI) supplies to the shared basket resource: paths, spelling, rendering. Its
 * own file so the resource's parts (register.ts, events.route.ts) import it without importing each other.
 */
import type { preValidationHookHandler } from 'fastify';
import type { z } from 'zod';
import type { BasketOperation } from './operations.js';

export interface BasketDialect {
  /** Names the dialect's cached basket rendering ('ocapi', 'scapi'). */
  readonly name: string;
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
