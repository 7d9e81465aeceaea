/**
 * Akinon Commerce basket dialect, registered under `/baskets`: `/baskets/basket/` is the
 * caller's one active basket on the site `AKINON_SITE`, `/baskets/basket_items/` one of its lines. Both
 * answer with and without the trailing slash.
 *
 * The caller is a bearer token's `sub` or a guest session (`osessionid` cookie, see identity.ts). Its
 * active basket is the newest active one it owns on the site (a name-based id, so concurrent first
 * requests make one basket). A read by a caller without one creates it (except a new guest's); a write
 * creates it in the same mutation as the change (see `write`), so a refused write creates nothing. Every
 * change is a mutation through the basket's lane exactly as in OCAPI (Idempotency-Key, Prefer:
 * respond-async); the synchronous answer is the rendered basket. Errors are DRF-style (errors.ts);
 * methods a path does not take are 405 (methods.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FirstChange, MutationCommand } from '../../domain/mutations.js';
import type { BasketSnapshot } from '../../contracts/basket-snapshot.js';
import type { BasketRead } from '../../application/get-basket.js';
import { lineItemId, ownerSiteBasketId } from '../../application/ids.js';
import { emptyBasketContext, renderContextOf, skuOfAkinonProduct } from '../../application/akinon-catalog.js';
import { BasketCreationRefused, basketSlotOf, ensureActiveBasket, type ActiveBasket } from '../../application/active-basket.js';
import { ServiceUnavailableError } from '../../application/submit-mutation.js';
import type { ApiDeps } from '../deps.js';
import { etag, ifNoneMatchVersion, notModified, outcomeError, writeOptions } from '../http.js';
import { submitWrite, type RejectedOutcome } from '../write-path.js';
import { AkinonError, fieldError, useDrfErrors } from './errors.js';
import { identify, SessionIds, type AkinonCaller } from './identity.js';
import { akinonBasketJson, emptyAkinonBasket, lineOfAkinonId, renderAkinonBasket, renderAkinonItem } from './basket.document.js';
import { lastEventIdOf, wantsLight } from '../events/basket-streams.js';
import { addProductBody, BasketItemPatchBody, patchBasketBody, setQuantityBody } from './schemas.js';
import { methodNotAllowed } from './methods.js';

const TAGS = ['Akinon'];
const JSON_TYPE = 'application/json; charset=utf-8';

export async function akinonRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { config, tokens, submitter, reader, db } = deps;
  const siteId = config.AKINON_SITE;
  const sessions = new SessionIds(config.JWT_SECRET, { ttlSeconds: config.AKINON_SESSION_TTL_SECONDS, rotateSeconds: config.AKINON_SESSION_ROTATE_SECONDS });
  useDrfErrors(app);

  // The caller is known before the body is validated (as in DRF, a bad token is 401 whatever the body).
  const callers = new WeakMap<FastifyRequest, AkinonCaller>();
  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.url) callers.set(req, identify(req, tokens, sessions));
  });
  // A new (or rotated) session cookie goes out only with a success: a refused request starts no session.
  app.addHook('onSend', async (req, reply, payload) => {
    const cookie = callers.get(req)?.setCookie;
    if (cookie && reply.statusCode < 400) reply.header('set-cookie', cookie);
    return payload;
  });
  const callerOf = (req: FastifyRequest): AkinonCaller => {
    const caller = callers.get(req);
    if (!caller) throw new Error('Akinon caller not identified');
    return caller;
  };

  const contextOf = (s: BasketSnapshot) =>
    renderContextOf(
      db,
      s.siteId,
      s.lines.map((l) => l.sku),
    );
  const sendText = (reply: FastifyReply, version: number, text: string) => reply.code(200).header('etag', etag(version)).type(JSON_TYPE).send(text);
  const sendBasket = async (reply: FastifyReply, s: BasketSnapshot) => sendText(reply, s.version, akinonBasketJson(renderAkinonBasket(s, await contextOf(s))));
  /** What a guest without a basket sees: an empty basket with `pk` null (nothing is created). */
  const sendEmpty = async (reply: FastifyReply) => {
    const { currency, segment } = await emptyBasketContext(db, siteId);
    return reply
      .code(200)
      .type(JSON_TYPE)
      .send(akinonBasketJson(emptyAkinonBasket(currency, segment)));
  };

  /** The caller's active basket (created when it has none); a refused creation answers as its rejection. */
  async function ensureBasket(caller: AkinonCaller): Promise<ActiveBasket> {
    try {
      return await ensureActiveBasket({ db, submitter }, caller, siteId);
    } catch (err) {
      if (err instanceof BasketCreationRefused) throw outcomeError(err.outcome);
      if (err instanceof ServiceUnavailableError) throw new AkinonError(503, { detail: err.message }, { 'retry-after': '1' });
      throw err;
    }
  }

  /** The caller's active basket as it stands (created when it has none). */
  async function currentBasket(caller: AkinonCaller, minVersion = 0, dialect: string | null = null): Promise<{ id: string; read: BasketRead }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { id, created, pending } = await ensureBasket(caller);
      if (created)
        return {
          id,
          read: {
            head: { version: created.version, ownerId: created.ownerId, siteId: created.siteId, status: created.status },
            rendered: null,
            snapshot: created,
          },
        };
      const read = await reader.head(id, minVersion, dialect);
      if (read && read.head.status === 'active' && read.head.siteId === siteId && read.head.ownerId === caller.ownerId) return { id, read };
      if (pending) throw new AkinonError(503, { detail: 'The basket is being created; retry.' }, { 'retry-after': '1' });
      // It stopped being active between the lookup and the read (deleted through OCAPI): look again.
    }
    throw new AkinonError(503, { detail: 'The basket changed while it was read; retry.' }, { 'retry-after': '1' });
  }

  /** Answers the basket as `read` saw it: the cached rendering of that version, or rendered now and shared. */
  async function sendRead(reply: FastifyReply, id: string, read: BasketRead): Promise<FastifyReply> {
    if (read.rendered !== null) return sendText(reply, read.head.version, read.rendered);
    const snapshot = await reader.snapshot(id, read);
    if (!snapshot) throw new AkinonError(404, { detail: 'Not found.' });
    const context = await contextOf(snapshot);
    const doc = await reader.render(id, { ...read, snapshot }, 'akinon', (s) => akinonBasketJson(renderAkinonBasket(s, context)));
    if (!doc) throw new AkinonError(404, { detail: 'Not found.' });
    return sendText(reply, doc.version, doc.text);
  }

  /** Answers a request that changes nothing with the basket as it stands. */
  async function answerCurrent(reply: FastifyReply, caller: AkinonCaller, basketId?: string): Promise<FastifyReply> {
    // A guest whose session starts now has no basket: nothing to create for a request that changes nothing.
    if (caller.fresh) return sendEmpty(reply);
    const { id, read } = basketId ? { id: basketId, read: await reader.head(basketId, 0, 'akinon') } : await currentBasket(caller, 0, 'akinon');
    // A refused first write named a basket that was never created: there is none yet.
    if (!read && basketId) return sendEmpty(reply);
    if (!read) throw new AkinonError(404, { detail: 'Not found.' });
    return sendRead(reply, id, read);
  }

  interface WriteOptions {
    /** The basket (default: the caller's active one, created when missing). */
    readonly basketId?: string;
    /**
     * A rejection answered otherwise than as an error: true once it has answered, false to answer it as
     * an error. (A boolean, not the reply: a Fastify reply is thenable, and awaiting it yields undefined.)
     */
    readonly onRejected?: (outcome: RejectedOutcome, basketId: string) => Promise<boolean>;
    /** The answer once applied (default: the rendered basket). */
    readonly answer?: (snapshot: BasketSnapshot, mutationId: string) => Promise<FastifyReply>;
  }

  /**
   * Submits a change through the basket's lane, exactly as OCAPI does, and answers it. A caller without
   * an active basket (a guest whose session starts now, or one that only looked so far) gets its basket
   * created by the same mutation as the change (`create_basket` with `then`), so a refused change creates
   * no basket (and, for a new guest, no session: its cookie goes out only with a success). With an
   * Idempotency-Key an existing caller takes the two-step way (create, then change): a retry of the key
   * must name the same basket and mutation.
   */
  async function write(req: FastifyRequest, reply: FastifyReply, caller: AkinonCaller, change: FirstChange, opts: WriteOptions = {}): Promise<FastifyReply> {
    const options = writeOptions(req);
    let basketId = opts.basketId ?? null;
    let command: MutationCommand = change;
    if (basketId === null) {
      const existing = caller.fresh ? { activeId: null, newId: ownerSiteBasketId(caller.ownerId, siteId, 0) } : await basketSlotOf(db, caller.ownerId, siteId);
      if (existing.activeId !== null) basketId = existing.activeId;
      else if (caller.fresh || options.idempotencyKey === null) {
        basketId = existing.newId;
        command = { kind: 'create_basket', siteId, currency: null, agentBasket: caller.role === 'agent', custom: {}, then: change };
      } else basketId = (await ensureBasket(caller)).id;
    }
    const route = (req.routeOptions.url ?? req.url).replace(/\/$/, '');
    const target = basketId; // the basket as a string for the callback below (the narrowing of `let` stops at closures)
    return submitWrite(
      submitter,
      req,
      reply,
      { basketId, caller, command, request: { method: req.method, route: `akinon:${route}`, content: { body: req.body ?? null } } },
      {
        applied: (snapshot, mutationId) => (opts.answer ? opts.answer(snapshot, mutationId) : sendBasket(reply, snapshot)),
        rejected: async (outcome) => {
          // A concurrent first request created the basket meanwhile: apply the change to it.
          if (command.kind === 'create_basket' && outcome.error.code === 'basket_exists') {
            await write(req, reply, caller, change, { ...opts, basketId: (await ensureBasket(caller)).id });
            return true;
          }
          return opts.onRejected ? opts.onRejected(outcome, target) : false;
        },
      },
    );
  }

  async function skuOf(pk: number): Promise<string> {
    const sku = await skuOfAkinonProduct(db, pk);
    if (sku === null) throw fieldError('product', `Invalid pk "${pk}" - object does not exist.`);
    return sku;
  }

  /** Registers a route at `/path/` (documented) and `/path` (the same handler, hidden from the docs). */
  function both(path: string, add: (url: string, hide: boolean) => void): void {
    add(`${path}/`, false);
    add(path, true);
  }

  const quantityBody = setQuantityBody(config.MAX_LINE_QUANTITY);
  const patchBody = patchBasketBody(config.MAX_LINE_QUANTITY);

  /** Set a product's quantity (PUT, and PATCH with `product`); 0 removes its line, and is a no-op when it has none. */
  async function setQuantity(
    req: FastifyRequest,
    reply: FastifyReply,
    caller: AkinonCaller,
    body: { product: number; quantity: number; attributes?: Record<string, unknown> | undefined },
  ) {
    const sku = await skuOf(body.product);
    const command: FirstChange = { kind: 'set_product_quantity', sku, quantity: body.quantity, ...(body.attributes ? { attributes: body.attributes } : {}) };
    return write(req, reply, caller, command, {
      // Removing what is not there changes nothing: the basket as it stands.
      onRejected: async (outcome, basketId) => {
        if (outcome.error.code !== 'item_not_found' || body.quantity !== 0) return false;
        await answerCurrent(reply, caller, caller.fresh ? undefined : basketId);
        return true;
      },
    });
  }

  // The caller's basket as a live stream (see events/basket-streams.ts): Akinon's document per version, or
  // with ?light=true its ETag and unavailable lines. A guest with no session yet has no basket to follow.
  const streams = deps.streams;
  if (streams) {
    both('/basket/events', (url, hide) => {
      r.get(
        url,
        {
          schema: {
            tags: TAGS,
            hide,
            summary: "The caller's active basket as a live stream (Server-Sent Events; id = version; Last-Event-ID resumes; ?light=true)",
          },
        },
        async (req, reply) => {
          const caller = callerOf(req);
          if (caller.fresh) throw new AkinonError(404, { detail: 'Not found.' });
          const lastEventId = lastEventIdOf(req);
          const { id } = await currentBasket(caller);
          const light = wantsLight(req);
          const render = async (s: BasketSnapshot) => {
            const doc = renderAkinonBasket(s, await contextOf(s));
            if (!light) return akinonBasketJson(doc);
            const unavailable = doc.basket.unavailable_basket_products;
            return JSON.stringify({
              etag: etag(s.version),
              unavailable_basket_products: unavailable.map((u) => ({ id: u.id, product: u.product.pk, quantity: u.quantity, reason: u.reason })),
            });
          };
          await streams.open(req, reply, { basketId: id, callerId: caller.ownerId, lastEventId, rendering: `akinon${light ? ':light' : ''}`, render });
          return reply;
        },
      );
    });
  }

  both('/basket', (url, hide) => {
    methodNotAllowed(app, url, ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
    r.get(
      url,
      { schema: { tags: TAGS, hide, summary: "The caller's active basket (created when it has none, except for a guest's first look; ETag, If-None-Match)" } },
      async (req, reply) => {
        const caller = callerOf(req);
        // A guest's first look creates nothing (crawlers, health checks): its basket comes with its first change.
        if (caller.fresh) return sendEmpty(reply);
        const known = ifNoneMatchVersion(req);
        const { id, read } = await currentBasket(caller, known ?? 0, 'akinon');
        if (notModified(req, read.head.version)) return reply.code(304).header('etag', etag(read.head.version)).send();
        return sendRead(reply, id, read);
      },
    );

    r.post(
      url,
      {
        schema: {
          tags: TAGS,
          hide,
          summary: 'Add a product (quantities of a product already in the basket add up)',
          body: addProductBody(config.MAX_LINE_QUANTITY),
        },
      },
      async (req, reply) => {
        const caller = callerOf(req);
        const sku = await skuOf(req.body.product);
        return write(req, reply, caller, {
          kind: 'add_items',
          items: [{ sku, quantity: req.body.quantity, ...(req.body.attributes ? { attributes: req.body.attributes } : {}) }],
        });
      },
    );

    r.put(url, { schema: { tags: TAGS, hide, summary: "Set a product's quantity (0 removes it)", body: quantityBody } }, async (req, reply) =>
      setQuantity(req, reply, callerOf(req), req.body),
    );

    r.patch(
      url,
      {
        schema: {
          tags: TAGS,
          hide,
          summary:
            "Set a product's quantity ({product, quantity}), or the codes: voucher_code (verified), remove_voucher_code, external_offer_code (unverified)",
          body: patchBody,
        },
      },
      async (req, reply) => {
        const caller = callerOf(req);
        const b = req.body;
        if (b.product !== undefined && b.quantity !== undefined)
          return setQuantity(req, reply, caller, { product: b.product, quantity: b.quantity, attributes: b.attributes });
        // remove_voucher_code removes the voucher and the external code, unless this request sends one.
        const removing = b.remove_voucher_code === true;
        const externalOfferCode = b.external_offer_code !== undefined ? b.external_offer_code : removing ? null : undefined;
        const voucherCode = removing ? null : b.voucher_code;
        if (voucherCode === undefined && externalOfferCode === undefined) return answerCurrent(reply, caller);
        return write(req, reply, caller, {
          kind: 'set_offer_codes',
          ...(voucherCode !== undefined ? { voucherCode } : {}),
          ...(externalOfferCode !== undefined ? { externalOfferCode } : {}),
        });
      },
    );

    r.delete(
      url,
      { schema: { tags: TAGS, hide, summary: 'Empty the basket (releases its held units; codes stay); answers the emptied basket' } },
      async (req, reply) => write(req, reply, callerOf(req), { kind: 'empty_basket' }),
    );
  });

  both('/basket_items', (url, hide) => {
    methodNotAllowed(app, url, ['PATCH']);
    r.patch(
      url,
      {
        schema: {
          tags: TAGS,
          hide,
          summary: "Set a basket item's attributes (is_all: the whole line; false: one unit split off into a line of its own); answers the resulting item",
          body: BasketItemPatchBody,
        },
      },
      async (req, reply) => {
        const caller = callerOf(req);
        const notInBasket = () => fieldError('id', `Basket item "${req.body.id}" is not in the basket.`);
        // A caller without a basket has no item: refused without creating one.
        const { activeId: id } = caller.fresh ? { activeId: null } : await basketSlotOf(db, caller.ownerId, siteId);
        if (!id) throw notInBasket();
        const read = await reader.head(id, 0, null);
        const before = read ? await reader.snapshot(id, read) : null;
        const line = before ? lineOfAkinonId(before, req.body.id) : undefined;
        if (!line) throw notInBasket();
        const command: FirstChange = {
          kind: 'set_item_attributes',
          itemId: line.itemId,
          attributes: req.body.attributes ?? line.attributes,
          splitOne: !req.body.is_all,
        };
        return write(req, reply, caller, command, {
          basketId: id,
          answer: async (snapshot, mutationId) => {
            // A split-off unit is the line the mutation created (its first new item id); else the line itself.
            const split = lineItemId(mutationId, 0);
            const target = snapshot.lines.find((l) => l.itemId === split) ?? snapshot.lines.find((l) => l.itemId === line.itemId);
            const item = target ? renderAkinonItem(snapshot, target.itemId, await contextOf(snapshot)) : null;
            if (!item) throw new AkinonError(404, { detail: 'Not found.' });
            return reply.code(200).type(JSON_TYPE).send(JSON.stringify(item));
          },
        });
      },
    );
  });
}
