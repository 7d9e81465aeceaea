/**
 * Shopper Baskets methods the official client declares that this service does not carry out. Each
 * answers SCAPI's error document after authenticating the caller: never a bare 404, so a storefront sees
 * what it asked for is not available here.
 */
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { authenticate } from '../http.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** [client method, HTTP method, path (SCAPI form), why]. */
export const UNSUPPORTED: readonly (readonly [string, Method, string, string])[] = [
  ['addGiftCertificateItemToBasket', 'POST', '/baskets/:basketId/gift-certificate-items', 'gift certificates are not sold here'],
  ['updateGiftCertificateItemInBasket', 'PATCH', '/baskets/:basketId/gift-certificate-items/:giftCertificateItemId', 'gift certificates are not sold here'],
  ['removeGiftCertificateItemFromBasket', 'DELETE', '/baskets/:basketId/gift-certificate-items/:giftCertificateItemId', 'gift certificates are not sold here'],
  ['addPriceBooksToBasket', 'PUT', '/baskets/:basketId/price-books', "a basket is priced by its site's price list"],
  ['getPriceBooksForBasket', 'GET', '/baskets/:basketId/price-books', "a basket is priced by its site's price list"],
  ['addTaxesForBasket', 'PUT', '/baskets/:basketId/taxes', 'tax mode external is not supported (taxes are computed here)'],
  ['getTaxesFromBasket', 'GET', '/baskets/:basketId/taxes', 'tax mode external is not supported (taxes are computed here)'],
  ['addTaxesForBasketItem', 'PUT', '/baskets/:basketId/items/:itemId/taxes', 'tax mode external is not supported (taxes are computed here)'],
  ['promoteTemporaryBasket', 'POST', '/baskets/:basketId/actions/promote', 'temporary baskets are not supported'],
  ['updateAsAgentBasket', 'PUT', '/baskets/:basketId/agent', 'agent baskets are created by an agent token'],
  ['updateAsStorefrontBasket', 'PUT', '/baskets/:basketId/storefront', 'agent baskets are created by an agent token'],
];

export function unsupportedRoutes(app: FastifyInstance, deps: ApiDeps, opts: { readonly normalize: preValidationHookHandler; readonly name: string }): void {
  for (const [name, method, path, why] of UNSUPPORTED) {
    app.route({
      method,
      url: path,
      schema: { tags: ['SCAPI Shopper Baskets'], operationId: `${opts.name}_${name}`, summary: `Not supported: ${why}` },
      preValidation: opts.normalize,
      handler: async (req) => {
        authenticate(req, deps.tokens);
        throw new ApiError('operation_not_supported', `${name} is not supported by this service: ${why}.`);
      },
    });
  }
}
