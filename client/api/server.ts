import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../common/logger';
import { ProductError } from '../../common/errors';
import { listTemplates } from '../../prompts/library';
import type { GenerationClient } from '../generation-client';
import { handleApiError } from './errors';

export interface ApiServerOptions {
  generations: GenerationClient;
  logger: Logger;
  /** Largest accepted body; release notes and diffs can be long. */
  bodyLimitBytes?: number;
}

/**
 * The REST API for backends: start a generation, read its status and result, list and decide reviews.
 * Request bodies are validated by the client module, so the API and direct callers reject the same input.
 */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const { generations } = options;
  // Typed as Fastify's logger interface so the instance keeps Fastify's default type parameters.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    // Generation ids hold a tenant (up to 64 characters) and an idempotency key (up to 128).
    routerOptions: { maxParamLength: 256 },
    // A `__proto__` or `constructor.prototype` key in a body is refused before it can reach our objects; a
    // repeated key keeps its last value, as JSON.parse does.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Router errors (a malformed URL, an id longer than any generation id) get the same error shape as the rest.
    frameworkErrors: (err, request, reply) => {
      handleApiError(new ProductError('ROUTE_NOT_FOUND', { field: `${request.method} (${err.message})` }), request,
        reply);
    },
  });

  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler((request) => {
    throw new ProductError('ROUTE_NOT_FOUND', { field: `${request.method} ${request.url}` });
  });

  app.get('/healthz', () => ({ ok: true }));

  app.get('/v1/templates', () => ({ templates: listTemplates() }));

  app.post('/v1/generations', async (request, reply) => {
    const started = await generations.start(request.body);
    return reply.status(started.existing ? 200 : 202).send(started);
  });

  app.get<{ Params: { id: string } }>('/v1/generations/:id', (request) => generations.get(request.params.id));

  app.get('/v1/reviews', async () => ({ reviews: await generations.pendingReviews() }));

  app.post<{ Params: { id: string } }>('/v1/generations/:id/review', async (request) => ({
    review: await generations.decide(request.params.id, request.body),
  }));

  return app;
}
