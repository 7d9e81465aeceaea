/**
 * `GET …/baskets/{basket_id}/events`: the basket's live stream (text/event-stream) for a dialect that
 * registers the basket resource (OCAPI, SCAPI — every SCAPI prefix that calls registerBasketResource
 * gets it). Authorised exactly as GET of the basket (404 for one that is not the caller's); each event is
 * the version's document in the dialect's shape, or with `?light=true` `{etag, flash}`. The stream's
 * behaviour (order, resume, caps, heartbeats, shutdown) is BasketStreams'.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal } from '../../auth/tokens.js';
import type { BasketRead } from '../../application/get-basket.js';
import type { BasketSnapshot } from '../../contracts/basket-snapshot.js';
import type { ApiDeps } from '../deps.js';
import { authenticate, etag } from '../http.js';
import { renderBasketDocument } from '../ocapi/basket.document.js';
import { BasketParams } from '../ocapi/schemas.js';
import { lastEventIdOf, wantsLight } from '../events/basket-streams.js';
import type { BasketDialect } from './dialect.js';
import type { BasketOperation } from './operations.js';

/** The route in OCAPI's form (a dialect maps it onto its own path like any basket operation). */
export const EVENTS_OPERATION: BasketOperation = {
  kind: 'get',
  name: 'getBasketEvents',
  method: 'GET',
  path: '/baskets/:basket_id/events',
  summary: "The basket's live stream (Server-Sent Events): one event per version (id = version; ?light=true for ETag and flashes only); Last-Event-ID resumes",
  params: BasketParams,
};

export function registerBasketEvents(
  app: FastifyInstance,
  deps: ApiDeps,
  dialect: BasketDialect,
  ownedBasket: (principal: Principal, siteId: string, basketId: string) => Promise<BasketRead>,
): void {
  const streams = deps.streams;
  if (!streams) return;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.route({
    method: 'GET',
    url: dialect.path(EVENTS_OPERATION),
    schema: {
      tags: [dialect.tag],
      summary: EVENTS_OPERATION.summary,
      operationId: `${dialect.name}_${EVENTS_OPERATION.name}`,
      params: EVENTS_OPERATION.params,
      ...(dialect.querystring ? { querystring: dialect.querystring } : {}),
    },
    ...(dialect.normalize ? { preValidation: dialect.normalize } : {}),
    handler: async (req, reply) => {
      const params = req.params as Record<string, string>;
      const principal = authenticate(req, deps.tokens);
      const lastEventId = lastEventIdOf(req);
      const basketId = params.basket_id!;
      await ownedBasket(principal, params.site_id!, basketId);
      const light = wantsLight(req);
      const render = (s: BasketSnapshot) => {
        const doc = renderBasketDocument(s) as { flash?: unknown[] };
        return light ? dialect.render({ etag: etag(s.version), flash: doc.flash ?? [] }) : dialect.render(doc);
      };
      await streams.open(req, reply, { basketId, callerId: principal.sub, lastEventId, rendering: `${dialect.name}${light ? ':light' : ''}`, render });
      return reply;
    },
  });
}
