/**
 * Django REST framework answers a method a view does not implement with 405, `{"detail": "Method \"X\"
 * not allowed."}` and an `Allow` header naming the methods it does implement. Registered per path, for
 * every HTTP method Fastify routes except the allowed ones and OPTIONS (left to CORS handling).
 */
import type { FastifyInstance } from 'fastify';

export function methodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const others = app.supportedMethods.filter((m) => !allowed.includes(m) && m !== 'OPTIONS' && m !== 'CONNECT');
  app.route({
    method: others,
    url,
    schema: { hide: true },
    handler: async (req, reply) =>
      reply
        .code(405)
        .header('allow', allowed.join(', '))
        .type('application/json; charset=utf-8')
        .send({ detail: `Method "${req.method}" not allowed.` }),
  });
}
