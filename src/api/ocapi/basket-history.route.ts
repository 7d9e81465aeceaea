/**
 * `GET /s/{site_id}/dw/shop/v23_2/baskets/{basket_id}/mutations`: the basket's mutation log for agents
 * (role `agent`; a customer gets 403 AccessWithoutPermissionException), the same entries and paging as
 * the admin route, as an OCAPI result document. A basket of another site answers 404.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { authenticate, isUuid } from '../http.js';
import { basketHistory, InvalidCursorError } from '../../application/basket-history.js';
import { HistoryQuery } from '../admin/schemas.js';
import { BasketParams } from './schemas.js';
import { OCAPI_VERSION } from './basket.document.js';

export function basketHistoryRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/baskets/:basket_id/mutations',
    { schema: { tags: ['OCAPI'], summary: "Agents: the basket's mutation log, newest first; ?cursor= pages", params: BasketParams, querystring: HistoryQuery } },
    async (req) => {
      const principal = authenticate(req, deps.tokens);
      if (principal.role !== 'agent') throw new ApiError('forbidden', 'Only agents may read a basket’s history.');
      const { site_id: siteId, basket_id: basketId } = req.params;
      const notFound = new ApiError('basket_not_found', `No basket with id '${basketId}' was found.`);
      if (!isUuid(basketId)) throw notFound;
      const page = await basketHistory(deps.db, basketId, req.query).catch((err) => {
        throw err instanceof InvalidCursorError ? new ApiError('invalid_request', err.message) : err;
      });
      if (!page || page.site_id !== siteId) throw notFound;
      return {
        _v: OCAPI_VERSION,
        _type: 'basket_mutation_result',
        basket_id: basketId,
        count: page.mutations.length,
        data: page.mutations.map((m) => ({ _type: 'basket_mutation', ...m })),
        next_cursor: page.next_cursor,
      };
    },
  );
}
