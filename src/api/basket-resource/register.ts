/**
 * Registers the basket resource's operations for one dialect. Every write is a mutation through the
 * basket's lane; reads come from the versioned snapshot; a basket the caller may not see answers 404
 * exactly as a missing one. The dialect decides paths, spelling, rendering and error documents.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal } from '../../auth/tokens.js';
import { isAgentOnly, type MutationCommand } from '../../domain/mutations.js';
import type { BasketSnapshot } from '../../contracts/basket-snapshot.js';
import { idempotentBasketId } from '../../application/ids.js';
import { mayCreateBasket } from '../../application/basket-quota.js';
import { Money, formatMoney } from '../../domain/money.js';
import { shippingQuote } from '../../domain/shipping.js';
import { sitePaymentMethods, siteShippingMethods } from '../../application/site-methods.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { authenticate, canAccess, etag, ifNoneMatchVersion, isUuid, notModified, writeOptions } from '../http.js';
import { submitWrite, type BasketWrite } from '../write-path.js';
import { decimal } from '../json.js';
import { OCAPI_VERSION, renderBasketDocument } from '../ocapi/basket.document.js';
import { customOf, withoutCardSecrets } from '../ocapi/schemas.js';
import { basketOperations, type BasketOperation } from './operations.js';
import { registerBasketEvents } from './events.route.js';
import type { BasketDialect } from './dialect.js';

export type { BasketDialect } from './dialect.js';

export function registerBasketResource(app: FastifyInstance, deps: ApiDeps, dialect: BasketDialect): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { tokens, submitter, reader } = deps;
  const rendering = dialect.rendering ?? dialect.name;

  const renderBasket = (snapshot: BasketSnapshot) => dialect.render(renderBasketDocument(snapshot));
  const sendText = (reply: FastifyReply, text: string, version?: number, status = 200) => {
    if (version !== undefined) reply.header('etag', etag(version));
    return reply.code(status).type('application/json; charset=utf-8').send(text);
  };

  /** The caller's basket on this site, or 404 exactly as if it did not exist. */
  async function ownedBasket(principal: Principal, siteId: string, basketId: string, minVersion = 0, rendering: string | null = null) {
    if (!isUuid(basketId)) throw basketNotFound(basketId);
    const read = await reader.head(basketId, minVersion, rendering);
    if (!read || read.head.status !== 'active' || read.head.siteId !== siteId || !canAccess(principal, read.head)) throw basketNotFound(basketId);
    return read;
  }

  /** A write through the one write path; the route in OCAPI's form, so the same request through either dialect is the same request. */
  const submit = (
    req: FastifyRequest,
    reply: FastifyReply,
    op: BasketOperation,
    principal: Principal,
    basketId: string,
    command: MutationCommand,
    applied: (s: BasketSnapshot) => FastifyReply,
    owned?: BasketWrite['owned'],
  ) =>
    submitWrite(
      submitter,
      req,
      reply,
      {
        basketId,
        caller: { ownerId: principal.sub, role: principal.role },
        command,
        request: { method: op.method, route: op.path, content: { params: req.params, body: withoutCardSecrets(req.body) } },
        ...(owned ? { owned } : {}),
      },
      { applied },
    );

  /** The active-basket cap (MAX_ACTIVE_BASKETS; see application/basket-quota.ts). */
  const ensureBasketQuota = async (principal: Principal, basketId: string) => {
    const max = deps.config.MAX_ACTIVE_BASKETS;
    if (!(await mayCreateBasket(deps.db, principal, basketId, max)))
      throw new ApiError('basket_limit_exceeded', `A customer may have at most ${max} active baskets; delete one first.`);
  };

  for (const op of basketOperations(deps.config)) {
    const schema = {
      tags: [dialect.tag],
      summary: op.summary,
      operationId: `${dialect.name}_${op.name}`,
      params: op.params,
      ...('body' in op && op.body ? { body: op.body } : {}),
      ...(dialect.querystring ? { querystring: dialect.querystring } : {}),
    };
    r.route({
      method: op.method,
      url: dialect.path(op),
      schema,
      ...(dialect.normalize ? { preValidation: dialect.normalize } : {}),
      handler: async (req, reply) => {
        const params = req.params as Record<string, string>;
        const body = req.body as Record<string, unknown> | undefined;
        const principal = authenticate(req, tokens);
        const siteId = params.site_id!;
        switch (op.kind) {
          case 'create': {
            const { idempotencyKey } = writeOptions(req);
            const basketId = idempotencyKey === null ? randomUUID() : idempotentBasketId(principal.sub, idempotencyKey);
            const command: MutationCommand = {
              kind: 'create_basket',
              siteId,
              currency: null,
              agentBasket: principal.role === 'agent',
              custom: customOf(body ?? {}),
            };
            await ensureBasketQuota(principal, basketId);
            return submit(req, reply, op, principal, basketId, command, (s) => sendText(reply, renderBasket(s), s.version));
          }
          case 'get': {
            const known = ifNoneMatchVersion(req);
            const basketId = params.basket_id!;
            const read = await ownedBasket(principal, siteId, basketId, known ?? 0, rendering);
            if (notModified(req, read.head.version)) return reply.code(304).header('etag', etag(read.head.version)).send();
            const doc = await reader.render(basketId, read, rendering, renderBasket);
            if (!doc) throw basketNotFound(basketId);
            return sendText(reply, doc.text, doc.version);
          }
          case 'change': {
            const basketId = params.basket_id!;
            if (!isUuid(basketId)) throw basketNotFound(basketId);
            const check = () => ownedBasket(principal, siteId, basketId);
            // Read first only when the command needs the version; otherwise the ownership is checked with
            // the write's ticket, in the same round trip (write-path.ts `owned`).
            const read = op.readsVersion?.(body ?? {}) ? await check() : null;
            let command: MutationCommand;
            try {
              command = op.build({
                params,
                body: body ?? {},
                principal,
                version: read ? read.head.version : null,
                query: (req.query ?? {}) as Record<string, unknown>,
                verifiesCoupons: dialect.verifiesCoupons === true,
              });
              // Refused here already (the worker checks again) so a customer never queues what it may not do.
              if (isAgentOnly(command.kind) && principal.role !== 'agent') throw new ApiError('forbidden', 'Only agents may adjust prices.');
            } catch (err) {
              // A basket the caller may not see answers 404 before anything about the request, as when read first.
              if (!read) await check();
              throw err;
            }
            const onApplied = op.answer === 'empty' ? () => reply.code(204).send() : (s: BasketSnapshot) => sendText(reply, renderBasket(s), s.version);
            const owned = read ? undefined : { siteId, ownerId: principal.role === 'agent' ? null : principal.sub, check };
            return submit(req, reply, op, principal, basketId, command, onApplied, owned);
          }
          case 'shipping_methods': {
            const read = await ownedBasket(principal, siteId, params.basket_id!);
            const snapshot = await reader.snapshot(params.basket_id!, read);
            if (!snapshot) throw basketNotFound(params.basket_id!);
            // Each shipment's methods are quoted on its own product total (a snapshot from before shipments has only `me`).
            const shipment = snapshot.shipments ? snapshot.shipments.find((x) => x.id === params.shipment_id) : undefined;
            if (params.shipment_id !== 'me' && !shipment) throw new ApiError('shipment_not_found', `No shipment '${params.shipment_id}' in this basket.`);
            const productTotal = new Money(shipment ? shipment.totals.productTotal : snapshot.totals.productTotal);
            const { methods, defaultId } = await siteShippingMethods(deps.db, siteId);
            const price = (m: (typeof methods)[number]) => shippingQuote(m, productTotal, snapshot.currency, snapshot.roundingMode);
            return sendText(
              reply,
              dialect.render({
                _v: OCAPI_VERSION,
                _type: 'shipping_method_result',
                applicable_shipping_methods: methods.map((m) => ({
                  _type: 'shipping_method',
                  id: m.id,
                  name: m.name,
                  price: decimal(formatMoney(price(m), snapshot.currency)),
                  // What PWA Kit looks for to offer pickup (use-pickup-shipment.js getPickupShippingMethodId).
                  ...(m.storePickup ? { c_storePickupEnabled: true } : {}),
                })),
                ...(defaultId !== null ? { default_shipping_method_id: defaultId } : {}),
              }),
            );
          }
          case 'notes': {
            await ownedBasket(principal, siteId, params.basket_id!);
            return sendText(reply, dialect.render({ _v: OCAPI_VERSION, _type: 'notes_result', notes: [] }));
          }
          case 'payment_methods': {
            await ownedBasket(principal, siteId, params.basket_id!);
            const methods = await sitePaymentMethods(deps.db, siteId);
            return sendText(
              reply,
              dialect.render({
                _v: OCAPI_VERSION,
                _type: 'payment_method_result',
                applicable_payment_methods: methods.map((m) => ({
                  _type: 'payment_method',
                  id: m.id,
                  name: m.name,
                  ...(m.cardTypes.length > 0 ? { cards: m.cardTypes.map((c) => ({ _type: 'payment_card_spec', card_type: c, name: c })) } : {}),
                })),
              }),
            );
          }
        }
      },
    });
  }
  registerBasketEvents(app, deps, dialect, (principal, siteId, basketId) => ownedBasket(principal, siteId, basketId));
}

export function basketNotFound(basketId: string): ApiError {
  return new ApiError('basket_not_found', `No basket with id '${basketId}' was found.`);
}
