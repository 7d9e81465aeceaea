/** problem+json (RFC 9457) rendering for admin and native endpoints. */
import type { FastifyInstance } from 'fastify';
import { ApiError, toApiError } from './errors.js';

export function problemDocument(err: ApiError, instance?: string) {
  return {
    type: `https://basket.example/problems/${err.code.replace(/_/g, '-')}`,
    title: err.code.replace(/_/g, ' '),
    status: err.status,
    detail: err.message,
    code: err.code,
    retryable: err.retryable,
    ...(instance ? { instance } : {}),
    ...(err.details !== undefined ? { errors: err.details } : {}),
  };
}

/** Installs problem+json error and not-found handlers on this plugin scope. */
export function useProblemErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(apiError.status).type('application/problem+json').send(problemDocument(apiError, req.url));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).type('application/problem+json').send(problemDocument(new ApiError('not_found', 'No such resource.'), req.url)),
  );
}
