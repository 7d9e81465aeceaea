/**
 * SCAPI Shopper Baskets v1 and v2: the same basket resource under
 * `/checkout/shopper-baskets/{v1,v2}/organizations/{organizationId}`, site from the `siteId` query
 * parameter, camelCase fields, hyphenated sub-paths, money as JSON numbers, errors as SCAPI's
 * problem documents — so the official `commerce-sdk-isomorphic` ShopperBaskets client works unchanged.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError, toApiError } from '../errors.js';
import { stringifyWithDecimals } from '../json.js';
import { registerBasketResource } from '../basket-resource/register.js';
import { faultType } from '../ocapi/fault.js';
import { camelToSnake, toOcapiBody, toScapiDocument, toScapiFieldPath, toScapiPath } from './spelling.js';
import { mergeRoute } from './merge.route.js';
import { transferRoute } from './transfer.route.js';
import { unsupportedRoutes } from './unsupported.routes.js';

export const SCAPI_PREFIX = '/checkout/shopper-baskets/v1/organizations/:organizationId';
/** PWA Kit (commerce-sdk-react's useShopperBasketsV2Mutation) calls v2; both versions share one core. */
export const SCAPI_V2_PREFIX = '/checkout/shopper-baskets/v2/organizations/:organizationId';

const SiteQuery = z.object({ siteId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid siteId'), locale: z.string().max(64).optional() }).passthrough();

/** SCAPI's error document: `{type, title, detail}` as application/problem+json. */
export function scapiError(err: ApiError) {
  const name = faultType(err).replace(/Exception$/, '');
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return {
    type: `https://api.commercecloud.salesforce.com/documentation/error/v1/errors/${words.toLowerCase().replace(/ /g, '-')}`,
    title: words,
    // Validation messages name fields as validated (OCAPI's spelling); SCAPI clients sent them camelCase.
    detail: err.code === 'invalid_request' ? err.message.split('; ').map(scapiIssue).join('; ') : err.message,
  };
}

/**
 * One validation issue (`body.payment_card.number: 12 to 19 digits`) with its field path in SCAPI's spelling;
 * the message after the path is left as written.
 */
function scapiIssue(issue: string): string {
  const colon = issue.indexOf(': ');
  return colon < 0 ? issue : toScapiFieldPath(issue.slice(0, colon)) + issue.slice(colon);
}

/** Puts a SCAPI request into OCAPI's form before validation: snake_case params and body, `site_id` from `siteId`. */
async function normalize(req: FastifyRequest): Promise<void> {
  const query = req.query as Record<string, unknown>;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params as Record<string, string>)) if (k !== 'organizationId') params[camelToSnake(k)] = v;
  if (typeof query.siteId !== 'string') throw new ApiError('invalid_request', 'The siteId query parameter is required.');
  params.site_id = query.siteId;
  req.params = params;
  // createBasket options this service cannot honour are refused rather than ignored.
  if (query.taxMode === 'external') throw new ApiError('operation_not_supported', 'taxMode external is not supported: taxes are computed by this service.');
  if (query.temporary === 'true') throw new ApiError('operation_not_supported', 'Temporary baskets are not supported.');
  if (req.body !== undefined) req.body = toOcapiBody(req.body);
}

export async function scapiRoutes(app: FastifyInstance, deps: ApiDeps, version: 'v1' | 'v2' = 'v1'): Promise<void> {
  const name = version === 'v1' ? 'scapi' : 'scapi_v2';
  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(apiError.status).type('application/problem+json').send(scapiError(apiError));
  });
  app.setNotFoundHandler((_req, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(scapiError(new ApiError('not_found', 'No such resource.'))),
  );

  const render = (document: object) => stringifyWithDecimals(toScapiDocument(document));
  registerBasketResource(app, deps, {
    name,
    // v1 and v2 render a basket alike: one cached rendering serves both.
    rendering: 'scapi',
    tag: 'SCAPI Shopper Baskets',
    path: (op) => toScapiPath(op.path),
    normalize,
    querystring: SiteQuery,
    render,
    verifiesCoupons: true,
  });
  mergeRoute(app, deps, { normalize, querystring: SiteQuery, render, name });
  transferRoute(app, deps, { normalize, render, rendering: 'scapi', name });
  unsupportedRoutes(app, deps, { normalize, name });
}
