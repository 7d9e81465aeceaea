/**
 * SCAPI `POST /baskets/actions/merge`: when a guest signs in, its basket's lines, coupon codes and held
 * units move into the customer's basket as one serial mutation on the customer basket's lane.
 *
 * Who the guest was: the `X-Guest-Authorization: Bearer <guest token>` header (the guest's own, still
 * valid token), or a `guest_sub` claim in the customer's token (set by whatever signed the guest in).
 * The guest's basket is its newest active one on the site; the destination is the caller's newest
 * active one, created first when `createDestinationBasket=true`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MERGE_MODES } from '../../domain/enumerations.js';
import type { MutationCommand } from '../../domain/mutations.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { authenticate, bearerToken, outcomeError, verifyToken } from '../http.js';
import { submitWrite } from '../write-path.js';
import { activeBasketIdOf, BasketCreationRefused, ensureActiveBasket } from '../../application/active-basket.js';
import { renderBasketDocument } from '../ocapi/basket.document.js';
import { SiteParams } from '../ocapi/schemas.js';
import type { Principal } from '../../auth/tokens.js';

const MergeQuery = z
  .object({
    siteId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid siteId'),
    createDestinationBasket: z.enum(['true', 'false']).default('false'),
    productItemMergeMode: z.enum(MERGE_MODES).default('sum_quantities'),
  })
  .passthrough();

interface MergeOptions {
  readonly normalize: preValidationHookHandler;
  readonly querystring: z.ZodType;
  readonly render: (document: object) => string;
  /** OpenAPI operationId prefix (one per SCAPI version). */
  readonly name?: string;
}

export function mergeRoute(app: FastifyInstance, deps: ApiDeps, opts: MergeOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/baskets/actions/merge',
    {
      schema: {
        tags: ['SCAPI Shopper Baskets'],
        operationId: `${opts.name ?? 'scapi'}_mergeBasket`,
        summary: "Merge the signed-in guest's basket into the customer's basket (lines, coupons, held units)",
        params: SiteParams,
        querystring: MergeQuery,
      },
      preValidation: opts.normalize,
    },
    async (req, reply) => {
      const principal = authenticate(req, deps.tokens);
      const siteId = req.params.site_id;
      const guestSub = guestOf(req, deps, principal);
      const query = req.query as z.infer<typeof MergeQuery>;
      const source = await activeBasketIdOf(deps.db, guestSub, siteId);
      if (source === null) throw new ApiError('basket_not_found', 'The guest has no basket on this site to merge.');
      const destination = (await activeBasketIdOf(deps.db, principal.sub, siteId)) ?? (query.createDestinationBasket === 'true' ? await createBasket(deps, principal, siteId) : null);
      if (destination === null) throw new ApiError('basket_not_found', 'The customer has no basket on this site; pass createDestinationBasket=true to create one.');
      const command = { kind: 'merge_basket', sourceBasketId: source, sourceOwnerId: guestSub, mode: query.productItemMergeMode } as const;
      return submitBasketAction(deps, req, reply, principal, { basketId: destination, command, action: 'merge', content: { site: siteId, guestSub, query } }, opts.render);
    },
  );
}

/** A SCAPI basket action (merge, transfer) through the one write path, answered with the basket rendered by `render`. */
export function submitBasketAction(
  deps: ApiDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
  action: { readonly basketId: string; readonly command: MutationCommand; readonly action: 'merge' | 'transfer'; readonly content: unknown },
  render: (document: object) => string,
): Promise<FastifyReply> {
  return submitWrite(
    deps.submitter,
    req,
    reply,
    {
      basketId: action.basketId,
      caller: { ownerId: principal.sub, role: principal.role },
      command: action.command,
      request: { method: 'POST', route: `/baskets/actions/${action.action}`, content: action.content },
    },
    { applied: (s) => reply.type('application/json; charset=utf-8').send(render(renderBasketDocument(s))) },
  );
}

export function guestOf(req: FastifyRequest, deps: ApiDeps, principal: Principal): string {
  const header = req.headers['x-guest-authorization'];
  if (typeof header === 'string') {
    const token = bearerToken({ headers: { authorization: header } } as FastifyRequest);
    const guest = token ? verifyToken(req, token, deps.tokens) : null;
    if (!guest) throw new ApiError('unauthorized', 'X-Guest-Authorization does not carry a valid guest token.');
    if (guest.sub === principal.sub) throw new ApiError('invalid_request', 'The guest and the customer are the same.');
    return guest.sub;
  }
  if (principal.guestSub) return principal.guestSub;
  throw new ApiError('invalid_request', 'Name the guest: send X-Guest-Authorization with its token, or a customer token with a guest_sub claim.');
}

/** The customer's basket, created when it has none (see ensureActiveBasket). */
async function createBasket(deps: ApiDeps, principal: Principal, siteId: string): Promise<string> {
  try {
    return (await ensureActiveBasket(deps, { ownerId: principal.sub, role: principal.role }, siteId)).id;
  } catch (err) {
    if (err instanceof BasketCreationRefused) throw outcomeError(err.outcome);
    throw err;
  }
}
