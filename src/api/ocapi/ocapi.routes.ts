/**
 * OCAPI Shop API 23.2 basket resource under `/s/{site_id}/dw/shop/v23_2`: the basket
 * operations in OCAPI's own spelling, money as JSON numbers, errors as fault documents.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError, toApiError } from '../errors.js';
import { stringifyWithDecimals } from '../json.js';
import { registerBasketResource } from '../basket-resource/register.js';
import { faultDocument } from './fault.js';
import { basketHistoryRoute } from './basket-history.route.js';
import { z } from 'zod';
import { authenticate } from '../http.js';
import { customerBaskets, listingText } from '../basket-resource/customer-baskets.js';
import { OCAPI_VERSION, renderBasketDocument } from './basket.document.js';
import { SiteParams } from './schemas.js';

export const OCAPI_PREFIX = '/s/:site_id/dw/shop/v23_2';

export async function ocapiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(apiError.status).type('application/json; charset=utf-8').send(faultDocument(apiError));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(faultDocument(new ApiError('not_found', 'No such resource.'))));

  registerBasketResource(app, deps, {
    name: 'ocapi',
    tag: 'OCAPI',
    path: (op) => op.path,
    render: (document) => stringifyWithDecimals(document),
  });
  basketHistoryRoute(app, deps);

  // The customer's baskets on this site (only the caller's own; agents any), as OCAPI's baskets_result.
  app.get(
    '/customers/:customer_id/baskets',
    { schema: { tags: ['OCAPI'], operationId: 'ocapi_getCustomerBaskets', summary: "The customer's active baskets on the site, newest first, with their total", params: CustomerParams } },
    async (req, reply) => {
      const params = req.params as z.infer<typeof CustomerParams>;
      const principal = authenticate(req, deps.tokens);
      const listing = await customerBaskets(deps, principal, params.customer_id, params.site_id, 'ocapi', (s) => stringifyWithDecimals(renderBasketDocument(s)));
      return reply.type('application/json; charset=utf-8').send(listingText(listing, { _v: OCAPI_VERSION, _type: 'baskets_result' }));
    },
  );
}

const CustomerParams = SiteParams.extend({ customer_id: z.string().min(1).max(255) });
