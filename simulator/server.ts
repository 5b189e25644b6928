/**
 * An OpenAI-compatible provider on loopback: answers Chat Completions with content generated from the
 * request, and fails on command. Used by tests, benchmarks and local runs instead of a paid provider.
 */

import { setMaxListeners } from 'node:events';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAdminRoutes, registerModelRoutes } from './admin-routes';
import { registerChatRoute } from './chat-route';
import { errorBody, invalidRequest, sendError } from './errors';
import { FaultController } from './faults';
import { LimitController, type LimitRule, type LimitSettings } from './limits';
import { StatsRecorder, type SimulatorStats } from './stats';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port, read back from `port`. */
  port?: number;
  /** Request logging; off when absent or false. */
  logger?: Logger | false;
  /** Provider limits in force from the first request; invalid rules reject before the server listens. */
  limits?: LimitRule[];
  /** The time in ms for the limits' sliding windows; default Date.now. Tests move it instead of sleeping. */
  clock?: () => number;
}

export interface RunningSimulator {
  /** Base URL for an OpenAI client, ending in /v1. */
  url: string;
  port: number;
  faults: FaultController;
  limits: LimitSettings;
  stats(): SimulatorStats;
  /** Stops the server, cutting held (timeout, stall) and slow requests and open streams; safe to repeat. */
  close(): Promise<void>;
}

/** Large diffs and documents are normal inputs; the provider accepts far more than Fastify's 1 MiB default. */
const bodyLimitBytes = 32 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const limits = new LimitController(options.clock);
  limits.set(options.limits ?? []);

  const loggerInstance: FastifyBaseLogger | undefined = options.logger || undefined;
  // forceCloseConnections: close() destroys every socket, including requests held open by timeout and stall.
  const app = Fastify({ ...(loggerInstance ? { loggerInstance } : { logger: false }),
    forceCloseConnections: true, bodyLimit: bodyLimitBytes });

  const faults = new FaultController();
  const stats = new StatsRecorder();
  const lifetime = new AbortController();
  // Every slow or stalled answer in flight listens for the close, and hundreds may be in flight at once.
  setMaxListeners(0, lifetime.signal);

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-simulator', 'true');
  });
  installErrorHandlers(app, stats);

  registerChatRoute(app, { faults, limits, stats, lifetime: lifetime.signal });
  registerModelRoutes(app, stats, Math.floor(Date.now() / 1000));
  registerAdminRoutes(app, { faults, limits, stats });

  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (err) {
    // A port already in use must not leave a half-started server behind.
    await app.close();
    throw err;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port ?? 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    faults,
    limits,
    stats: () => stats.snapshot(),
    close: () => {
      closing ??= (async () => {
        lifetime.abort();
        await app.close();
      })();
      return closing;
    },
  };
}

/** Every error, including Fastify's own (bad JSON, wrong content type, unknown URL), in the provider's shape. */
function installErrorHandlers(app: FastifyInstance, stats: StatsRecorder): void {
  app.setNotFoundHandler((request, reply) => sendError(reply, 404,
    invalidRequest(`Unknown request URL: ${request.method} ${request.url}.`, null, 'unknown_url')));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'simulator failed to answer');
      return sendError(reply, 500, errorBody('The simulator failed to answer.', 'server_error', null));
    }

    // Bodies that are not JSON never reach the route, but they are still requests the provider rejected.
    if (request.url.startsWith('/v1/chat/completions')) {
      stats.record(undefined, 'bad_request');
    }
    return sendError(reply, status, invalidRequest(error.message, null, error.code ?? null));
  });
}
