/**
 * SCAPI `POST /baskets/actions/transfer` (PWA Kit calls it when a shopper signs in during checkout): the
 * previous shopper's (guest's) basket becomes the caller's, as one serial mutation on that basket's lane.
 *
 * - `merge=true`: the caller's own active basket, if any, is merged into it (lines, codes, held units)
 *   and deleted — SFCC's default `dw.order.mergeBasket` hook direction.
 * - `merge=false`, `overrideExisting=true`: the caller's own basket is deleted, its held units released.
 * - `merge=false`, `overrideExisting=false`: 409 BasketTransferException when the caller has a basket.
 * No guest basket: the caller's own basket is answered as it is (200), or 204 when there is none.
 * The guest is named as for the merge: `X-Guest-Authorization`, or the token's guest claim.
 */
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { authenticate, etag } from '../http.js';
import { transferParties } from '../../application/transfer-parties.js';
import { renderBasketDocument } from '../ocapi/basket.document.js';
import { SiteParams } from '../ocapi/schemas.js';
import type { TransferMode } from '../../domain/mutations.js';
import { guestOf, submitBasketAction } from './merge.route.js';

const TransferQuery = z
  .object({
    siteId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid siteId'),
    merge: z.enum(['true', 'false']).default('false'),
    overrideExisting: z.enum(['true', 'false']).default('false'),
    populateCustomerDetails: z.enum(['true', 'false']).default('false'),
  })
  .passthrough();

interface TransferOptions {
  readonly normalize: preValidationHookHandler;
  readonly render: (document: object) => string;
  /** The cached basket rendering's name, and the OpenAPI operationId prefix. */
  readonly rendering: string;
  readonly name: string;
}

export function transferRoute(app: FastifyInstance, deps: ApiDeps, opts: TransferOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/baskets/actions/transfer',
    {
      schema: {
        tags: ['SCAPI Shopper Baskets'],
        operationId: `${opts.name}_transferBasket`,
        summary: "Make the previous (guest) shopper's basket the signed-in shopper's (merge=true: theirs merged into it)",
        params: SiteParams,
        querystring: TransferQuery,
      },
      preValidation: opts.normalize,
    },
    async (req, reply) => {
      const principal = authenticate(req, deps.tokens);
      const siteId = req.params.site_id;
      const query = req.query as z.infer<typeof TransferQuery>;
      if (query.populateCustomerDetails === 'true') throw new ApiError('operation_not_supported', 'populateCustomerDetails is not supported: this service keeps no customer profiles.');
      const guestSub = guestOf(req, deps, principal);
      const { guestBasketId: guestBasket, ownBasketId: own } = await transferParties(deps.db, guestSub, principal.sub, siteId);
      if (guestBasket === null) {
        if (own === null) return reply.code(204).send();
        const read = await deps.reader.head(own);
        const doc = read ? await deps.reader.render(own, read, opts.rendering, (s) => opts.render(renderBasketDocument(s))) : null;
        if (!doc) return reply.code(204).send();
        return reply.header('etag', etag(doc.version)).type('application/json; charset=utf-8').send(doc.text);
      }
      const mode: TransferMode = query.merge === 'true' ? 'merge' : query.overrideExisting === 'true' ? 'override' : 'transfer';
      if (own !== null && mode === 'transfer') {
        throw new ApiError('basket_transfer_conflict', 'The shopper already has an active basket; transfer with merge=true, or overrideExisting=true to replace it.');
      }
      const command = { kind: 'transfer_basket', fromOwnerId: guestSub, mode, absorbedBasketId: mode === 'transfer' ? null : own } as const;
      return submitBasketAction(deps, req, reply, principal, { basketId: guestBasket, command, action: 'transfer', content: { site: siteId, guestSub, mode } }, opts.render);
    },
  );
}
