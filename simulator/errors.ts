/** Error bodies in the provider's shape, so clients classify simulator errors exactly like real ones. */

import type { FastifyReply } from 'fastify';

export interface ProviderErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null):
  ProviderErrorBody {
  return { error: { message, type, param, code } };
}

export function invalidRequest(message: string, param: string | null, code: string | null): ProviderErrorBody {
  return errorBody(message, 'invalid_request_error', code, param);
}

export function sendError(reply: FastifyReply, status: number, body: ProviderErrorBody): FastifyReply {
  return reply.code(status).type('application/json').send(body);
}
