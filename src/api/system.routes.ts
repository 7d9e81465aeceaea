/**
 * Native endpoints: /health, /ready, POST /auth/guest (a demo guest token) and
 * GET /mutations/{id} (an async write's outcome). problem+json errors.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { useProblemErrors } from './problem.js';
import { authenticate, bearerToken, isUuid, mutationStatusBody } from './http.js';
import { isAdmin } from './admin/admin-auth.js';
import { secretMatches } from '../auth/tokens.js';
import { readinessCheck } from '../observability/readiness.js';
import { findMutation } from '../persistence/mutation.repository.js';
import { ENQUEUE_GRACE_MS } from '../application/submit-mutation.js';
import { SessionIds } from './akinon/identity.js';

export async function systemRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  useProblemErrors(app);
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/health', async () => ({ status: 'ok' }));

  // Metrics are not public: Bearer METRICS_TOKEN (what a Prometheus scrape config sends) or admin credentials.
  const metricsToken = deps.config.METRICS_TOKEN;
  r.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    const token = bearerToken(req);
    const allowed = (metricsToken !== undefined && token !== null && secretMatches(token, metricsToken)) || isAdmin(req, deps.config.ADMIN_TOKEN);
    if (!allowed) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new ApiError('unauthorized', 'Metrics need Authorization: Bearer METRICS_TOKEN (or admin credentials).');
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const readiness = readinessCheck(deps.db, deps.redis, deps.laneHealth);
  r.get('/ready', async (_req, reply) => {
    const { ready, checks, stuck } = await readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(stuck ? { stuck } : {}) });
  });

  r.post('/auth/guest', async () => {
    const customerId = `guest-${randomUUID()}`;
    return { access_token: deps.tokens.sign(customerId, 'customer'), token_type: 'Bearer', expires_in: deps.tokens.ttlSeconds, customer_id: customerId };
  });

  const sessions = new SessionIds(deps.config.JWT_SECRET, {
    ttlSeconds: deps.config.AKINON_SESSION_TTL_SECONDS,
    rotateSeconds: deps.config.AKINON_SESSION_ROTATE_SECONDS,
  });
  r.get(
    '/mutations/:mutation_id',
    { schema: { tags: ['Mutations'], summary: 'Status of an accepted mutation', params: z.object({ mutation_id: z.string().min(1).max(64) }) } },
    async (req) => {
      const admin = bearerToken(req) !== null && isAdmin(req, deps.config.ADMIN_TOKEN);
      // Akinon guests have no token: their session cookie names them (its owner id is `session:<id>`).
      // As in the Akinon routes: a Bearer token names the caller; without one, the session cookie does.
      const session = bearerToken(req) === null ? sessions.fromCookies(req.headers.cookie)?.id : undefined;
      const principal = admin ? null : session ? { sub: `session:${session}`, role: 'customer' as const } : authenticate(req, deps.tokens);
      const mayRead = (ownerId: string) => admin || principal?.role === 'agent' || principal?.sub === ownerId;
      const id = req.params.mutation_id;
      const notFound = new ApiError('not_found', `No mutation '${id}'.`);
      if (!isUuid(id)) throw notFound;

      const row = await findMutation(deps.db, id);
      if (row) {
        if (!mayRead(row.owner_id)) throw notFound;
        return mutationStatusBody(row.id, row.basket_id, row.status, row.version, row.error);
      }
      const ticket = await deps.submitter.readTicket(id);
      if (!ticket || !mayRead(ticket.ownerId)) throw notFound;
      // No record yet: the job's own state tells a mutation still waiting from one that failed for good
      // while the database could not record it, or from one whose job was never added (the accepting
      // process died between ticket and job): that one is `lost` — nothing was applied, and a retry with
      // the same Idempotency-Key enqueues it again.
      const state = await deps.lanes.jobState(id, ticket.basketId).catch(() => 'error');
      if (state === 'failed') {
        return mutationStatusBody(id, ticket.basketId, 'failed', null, { code: 'internal_error', message: 'The change could not be applied.' });
      }
      if (state === 'unknown' && Date.now() - (ticket.acceptedAt ?? 0) > ENQUEUE_GRACE_MS) {
        const late = await findMutation(deps.db, id);
        if (late) return mutationStatusBody(late.id, late.basket_id, late.status, late.version, late.error);
        return mutationStatusBody(id, ticket.basketId, 'lost', null, {
          code: 'mutation_lost',
          message:
            'This change was never queued (the service stopped while accepting it) and nothing was applied; send the request again with the same Idempotency-Key.',
        });
      }
      return mutationStatusBody(id, ticket.basketId, 'queued', null, null);
    },
  );
}
