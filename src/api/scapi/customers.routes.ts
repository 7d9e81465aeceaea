/**
 * SCAPI Shopper Customers, the one method a basket storefront needs from it: `getCustomerBaskets`
 * (`GET /customer/shopper-customers/v1/organizations/{organizationId}/customers/{customerId}/baskets`),
 * which PWA Kit's `useCurrentBasket` reads to find the shopper's basket. `{baskets, total}`, each basket
 * as Shopper Baskets renders it; errors as SCAPI's problem documents.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError, toApiError } from '../errors.js';
import { authenticate } from '../http.js';
import { stringifyWithDecimals } from '../json.js';
import { renderBasketDocument } from '../ocapi/basket.document.js';
import { customerBaskets, listingText } from '../basket-resource/customer-baskets.js';
import { scapiError } from './scapi.routes.js';
import { toScapiDocument } from './spelling.js';

export const SHOPPER_CUSTOMERS_PREFIX = '/customer/shopper-customers/v1/organizations/:organizationId';

const Params = z.object({ organizationId: z.string().min(1).max(64), customerId: z.string().min(1).max(255) });
const Query = z.object({ siteId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid siteId'), locale: z.string().max(64).optional() }).passthrough();

export async function shopperCustomersRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(apiError.status).type('application/problem+json').send(scapiError(apiError));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('application/problem+json').send(scapiError(new ApiError('not_found', 'No such resource.'))));
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/customers/:customerId/baskets',
    { schema: { tags: ['SCAPI Shopper Customers'], operationId: 'scapi_getCustomerBaskets', summary: "The customer's active baskets on the site, newest first, with their total", params: Params, querystring: Query } },
    async (req, reply) => {
      const principal = authenticate(req, deps.tokens);
      const listing = await customerBaskets(deps, principal, req.params.customerId, req.query.siteId, 'scapi', (s) => stringifyWithDecimals(toScapiDocument(renderBasketDocument(s))));
      return reply.type('application/json; charset=utf-8').send(listingText(listing));
    },
  );
}
