/**
 * The Fastify server factory: wires routes per dialect, zod validation and error rendering. Never
 * listens: the process entry point does (so tests use `inject` or their own port).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { adminRoutes } from './admin/admin.routes.js';
import { OCAPI_PREFIX, ocapiRoutes } from './ocapi/ocapi.routes.js';
import { akinonRoutes } from './akinon/akinon.routes.js';
import { SCAPI_PREFIX, SCAPI_V2_PREFIX, scapiRoutes } from './scapi/scapi.routes.js';
import { SHOPPER_CUSTOMERS_PREFIX, shopperCustomersRoutes } from './scapi/customers.routes.js';
import { externalIssuerOf, registerExternalIssuer } from './external-auth.js';
import { scapiRouteSchema } from './scapi/spelling.js';
import { systemRoutes } from './system.routes.js';
import { registerRateLimits } from './rate-limits.js';
import { BOARD_PATH, registerQueueBoard } from './ops/queue-board.js';

/** No request document needs more; deeper ones are refused before anything walks them recursively. */
const MAX_JSON_DEPTH = 32;

/** A UTF-16 code unit of a surrogate pair standing alone (`"\ud800"` in JSON text): not text at all. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What makes a parsed JSON body unacceptable before any schema sees it, or null: nesting deeper than
 * `max` arrays/objects, or a lone surrogate in any string or key (PostgreSQL's jsonb and any UTF-8
 * encoder refuse it, so it must never reach a job). Iterative: no stack to overflow.
 */
function bodyDefect(value: unknown, max: number): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return 'The request body holds a string that is not valid Unicode (a lone UTF-16 surrogate).';
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return `The request body nests deeper than ${max} levels.`;
    for (const [key, child] of Object.entries(v)) {
      if (LONE_SURROGATE.test(key)) return 'The request body holds a property name that is not valid Unicode (a lone UTF-16 surrogate).';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

/** Trusts the `hops` proxies nearest to this server (hop 0 is the socket's peer). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // Per-request access lines only at debug: at thousands of requests a second they would dominate.
    logController: new LogController({ disableRequestLogging: deps.config.LOG_LEVEL !== 'debug' && deps.config.LOG_LEVEL !== 'trace' }),
    requestIdHeader: 'x-request-id',
    // Behind a load balancer every request comes from its address: per-address limits need the client's.
    trustProxy: typeof deps.config.TRUST_PROXY === 'number' ? trustHops(deps.config.TRUST_PROXY) : deps.config.TRUST_PROXY,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Slow clients: the whole request must arrive within the request timeout (checked every second,
    // not Node's default 30 s), idle sockets are closed, and connections are capped (below).
    requestTimeout: deps.config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: deps.config.HTTP_CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: deps.config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: deps.config.HTTP_REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
  });
  app.server.maxConnections = deps.config.HTTP_MAX_CONNECTIONS;
  // JSON only: a text/plain body is refused with 415 rather than validated as a string.
  app.removeContentTypeParser('text/plain');
  // Many clients send `Content-Type: application/json` on every request: an empty body is no body
  // (DELETE, the merge action), not malformed JSON. Anything else goes to Fastify's own safe parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(req, text, (err, value) => {
      if (err) return done(err, undefined);
      const defect = bodyDefect(value, MAX_JSON_DEPTH);
      if (defect) return done(new ApiError('invalid_request', defect), undefined);
      return done(null, value);
    });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Shopper tokens of a configured external issuer (SLAS), verified through its JWKS before any route.
  const externalIssuer = externalIssuerOf(deps.config);
  if (externalIssuer) registerExternalIssuer(app, externalIssuer);

  // Shutdown: answers sent after close() began ask the client to close its keep-alive connection, so
  // close() does not wait out the keep-alive timeout of clients whose requests were in flight.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // Open event streams never go idle: end them, or close() would wait for them forever.
    await deps.streams?.closeAll();
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // OpenAPI generated from the routes' zod schemas, served at /docs (JSON at /docs/json).
  await app.register(swagger, {
    openapi: {
      info: { title: 'Basket service', version: '0.1.0', description: 'Basket dialects (OCAPI Shop API 23.2, SCAPI Shopper Baskets v1 and v2 with Shopper Customers getCustomerBaskets, Akinon basket API), admin catalogue feed, mutation status.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      // Bull Board's own pages and API are not part of this service's contract.
      if (input.url.startsWith(BOARD_PATH)) return { ...out, schema: { ...out.schema, hide: true } };
      // SCAPI routes validate in OCAPI's spelling (after mapping); document them in their own.
      if (input.url.startsWith('/checkout/shopper-baskets/')) return { ...out, schema: scapiRouteSchema(out.schema) as typeof out.schema };
      return out;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await registerRateLimits(app, { redis: deps.redis, tokens: deps.tokens, jwtSecret: deps.config.JWT_SECRET }, {
    max: deps.config.RATE_LIMIT_MAX,
    newIdentityMax: deps.config.RATE_LIMIT_NEW_IDENTITY_MAX,
    windowMs: deps.config.RATE_LIMIT_WINDOW_MS,
    redisPrefix: deps.config.REDIS_PREFIX,
  });
  await app.register(async (scope) => systemRoutes(scope, deps));
  await registerQueueBoard(app, { queues: deps.boardQueues, adminToken: deps.config.ADMIN_TOKEN, readOnly: deps.config.BOARD_READ_ONLY });
  await app.register(async (scope) => adminRoutes(scope, deps), { prefix: '/admin' });
  await app.register(async (scope) => ocapiRoutes(scope, deps), { prefix: OCAPI_PREFIX });
  await app.register(async (scope) => akinonRoutes(scope, deps), { prefix: '/baskets' });
  await app.register(async (scope) => scapiRoutes(scope, deps, 'v1'), { prefix: SCAPI_PREFIX });
  await app.register(async (scope) => scapiRoutes(scope, deps, 'v2'), { prefix: SCAPI_V2_PREFIX });
  await app.register(async (scope) => shopperCustomersRoutes(scope, deps), { prefix: SHOPPER_CUSTOMERS_PREFIX });
  return app;
}
