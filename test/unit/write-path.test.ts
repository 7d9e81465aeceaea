/**
 * The one write path (src/api/write-path.ts), on a bare Fastify app with a recording submitter (the
 * application seam; no PostgreSQL or Redis): what it submits (Idempotency-Key, respond-async, the
 * request's hash) and how it answers each result.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { submitWrite, type BasketWrite, type WriteAnswers } from '../../src/api/write-path.js';
import { useProblemErrors } from '../../src/api/problem.js';
import { requestHash } from '../../src/application/ids.js';
import { ApiError } from '../../src/api/errors.js';
import type { SubmitRequest, SubmitResult } from '../../src/application/submit-mutation.js';
import type { BasketSnapshot } from '../../src/contracts/basket-snapshot.js';

const BASKET = '11111111-1111-4111-8111-111111111111';
const MUTATION = '22222222-2222-4222-8222-222222222222';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** An app whose POST /w submits one write through `submitter` (`extra` added to it) and answers it with `answers`; returns a POST. */
async function serve(submitter: Parameters<typeof submitWrite>[0], extra: Partial<BasketWrite>, answers: (reply: FastifyReply) => WriteAnswers) {
  app = Fastify();
  useProblemErrors(app);
  app.post('/w', async (req, reply) =>
    submitWrite(
      submitter,
      req,
      reply,
      {
        basketId: BASKET,
        caller: { ownerId: 'owner-1', role: 'customer' },
        command: { kind: 'empty_basket' },
        request: { method: 'POST', route: '/w', content: { body: req.body } },
        ...extra,
      } satisfies BasketWrite,
      answers(reply),
    ),
  );
  await app.ready();
  return (headers: Record<string, string> = {}, body: object = { a: 1 }) => app!.inject({ method: 'POST', url: '/w', headers, payload: body });
}

/** An app whose POST /w submits a write (its content: the body) and answers it, by default rendering `{rendered: version}`. */
async function appWith(result: SubmitResult, answers: (reply: FastifyReply) => Partial<WriteAnswers> = () => ({})) {
  const submitted: SubmitRequest[] = [];
  const submitter = {
    submit: async (r: SubmitRequest) => {
      submitted.push(r);
      return result;
    },
  };
  const post = await serve(submitter, {}, (reply) => ({ applied: (s, id) => reply.send({ rendered: s.version, id }), ...answers(reply) }));
  return { submitted, post };
}

const applied: SubmitResult = {
  kind: 'finished',
  outcome: { status: 'applied', mutationId: MUTATION, basketId: BASKET, version: 7, snapshot: { version: 7 } as BasketSnapshot },
};
const rejected: SubmitResult = {
  kind: 'finished',
  outcome: { status: 'rejected', mutationId: MUTATION, basketId: BASKET, version: 6, error: { code: 'item_not_found', message: 'No such item.' } },
};

describe('the write path', () => {
  it('submits the caller, command, Idempotency-Key, respond-async and the hash of method, route and content (none without a key)', async () => {
    const { submitted, post } = await appWith(applied);
    await post({ 'idempotency-key': 'k-1', prefer: 'respond-async' });
    await post({}, { a: 2 });
    await post({ 'idempotency-key': 'k-2' }, { a: 2 });
    expect(submitted[0]).toEqual({
      basketId: BASKET,
      ownerId: 'owner-1',
      role: 'customer',
      command: { kind: 'empty_basket' },
      idempotencyKey: 'k-1',
      requestHash: requestHash('POST', '/w', { body: { a: 1 } }),
      respondAsync: true,
    });
    // Only a repeat under a key compares the hash, so a request without one is not hashed.
    expect(submitted[1]).toMatchObject({ idempotencyKey: null, respondAsync: false, requestHash: null });
    expect(submitted[2]).toMatchObject({ idempotencyKey: 'k-2', requestHash: requestHash('POST', '/w', { body: { a: 2 } }) });
    expect(submitted[0]!.requestHash).not.toBe(submitted[2]!.requestHash);
  });

  it('refuses a malformed Idempotency-Key before submitting anything', async () => {
    const { submitted, post } = await appWith(applied);
    expect((await post({ 'idempotency-key': 'has space' })).statusCode).toBe(400);
    expect(submitted).toEqual([]);
  });

  it('answers applied with the ETag of the new version and the rendering (given the mutation id)', async () => {
    const r = await (await appWith(applied)).post();
    expect(r.statusCode).toBe(200);
    expect(r.headers.etag).toBe('"7"');
    expect(r.json()).toEqual({ rendered: 7, id: MUTATION });
  });

  it('answers pending as 202 with Location and the queued status', async () => {
    const { post } = await appWith({ kind: 'pending', mutationId: MUTATION });
    const r = await post();
    expect(r.statusCode).toBe(202);
    expect(r.headers.location).toBe(`/mutations/${MUTATION}`);
    expect(r.json()).toEqual({ id: MUTATION, basket_id: BASKET, status: 'queued', version: null, error: null });
  });

  it('answers a reused key 422, a busy basket 429 with Retry-After, a rejection as its error', async () => {
    expect((await (await appWith({ kind: 'idempotency_conflict' })).post()).statusCode).toBe(422);
    await app!.close();
    const busy = await (await appWith({ kind: 'busy', retryAfterSeconds: 1 })).post();
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    await app!.close();
    const r = await (await appWith(rejected)).post();
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'item_not_found', detail: 'No such item.' });
  });

  it('lets the dialect answer a rejection its own way (true), or answer it as the error (false)', async () => {
    const own = await appWith(rejected, (reply) => ({
      rejected: async (o) => {
        await reply.code(200).send({ unchanged: o.error.code });
        return true;
      },
    }));
    const r = await own.post();
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ unchanged: 'item_not_found' });
    await app!.close();
    const declined = await appWith(rejected, () => ({ rejected: async () => false }));
    expect((await declined.post()).statusCode).toBe(404);
  });
});

describe('a write whose ownership is not yet checked (`owned`)', () => {
  const owned = { siteId: 'default', ownerId: 'owner-1' };
  /** POSTs once through a submitter with or without `submitOwned`; records the calls in order. */
  async function run(submitOwned: SubmitResult | null | 'absent', checkThrows = false) {
    const calls: string[] = [];
    const submitter = {
      submit: async () => {
        calls.push('submit');
        return applied;
      },
      ...(submitOwned === 'absent'
        ? {}
        : {
            submitOwned: async (_r: SubmitRequest, o: typeof owned) => {
              calls.push(`submitOwned ${o.siteId} ${o.ownerId}`);
              return submitOwned;
            },
          }),
    };
    const post = await serve(
      submitter,
      {
        owned: {
          ...owned,
          check: async () => {
            calls.push('check');
            if (checkThrows) throw new ApiError('basket_not_found', 'No such basket.');
          },
        },
      },
      (reply) => ({ applied: (s) => reply.send({ rendered: s.version }) }),
    );
    const r = await post({}, {});
    await app!.close();
    app = null;
    return { status: r.statusCode, calls };
  }

  it('is submitted checked by the submitter when it can: no separate check', async () => {
    expect(await run(applied)).toEqual({ status: 200, calls: ['submitOwned default owner-1'] });
  });

  it('is checked the full way, then submitted, when the submitter could not check it (or has no way to)', async () => {
    expect(await run(null)).toEqual({ status: 200, calls: ['submitOwned default owner-1', 'check', 'submit'] });
    expect(await run('absent')).toEqual({ status: 200, calls: ['check', 'submit'] });
  });

  it('is not submitted when the full check refuses it', async () => {
    expect(await run(null, true)).toEqual({ status: 404, calls: ['submitOwned default owner-1', 'check'] });
    expect(await run('absent', true)).toEqual({ status: 404, calls: ['check'] });
  });
});
