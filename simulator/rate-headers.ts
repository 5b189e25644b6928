/** The rate-limit side of the provider's HTTP answers: Retry-After, x-ratelimit headers, and the 429 itself. */

import type { FastifyReply } from 'fastify';
import { errorBody, sendError } from './errors';
import type { QuotaState, Refusal } from './limits';

/** Retry-After carries whole seconds, rounded up; retry-after-ms keeps the exact wait for clients that read it. */
export function setRetryAfter(reply: FastifyReply, waitMs: number): void {
  reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
  reply.header('retry-after-ms', String(Math.ceil(waitMs)));
}

/**
 * The wait as OpenAI's quota headers give it: no requests left, and when the window resets as a Go-style
 * duration ("1m30s", "250ms"). Clients that only read Retry-After see no hint at all.
 */
export function setResetHeaders(reply: FastifyReply, waitMs: number): void {
  const minutes = Math.floor(waitMs / 60_000);
  const seconds = (waitMs - minutes * 60_000) / 1000;
  reply.header('x-ratelimit-remaining-requests', '0');
  const reset = waitMs < 1000 ? `${waitMs}ms` : `${minutes ? `${minutes}m` : ''}${seconds}s`;
  reply.header('x-ratelimit-reset-requests', reset);
}

/** The quota left after this request, or before it when it was refused; only for the kinds a rule limits. */
export function setQuotaHeaders(reply: FastifyReply, quota: QuotaState): void {
  if (quota.requests) {
    reply.header('x-ratelimit-limit-requests', String(quota.requests.limit));
    reply.header('x-ratelimit-remaining-requests', String(quota.requests.remaining));
  }

  if (quota.tokens) {
    reply.header('x-ratelimit-limit-tokens', String(quota.tokens.limit));
    reply.header('x-ratelimit-remaining-tokens', String(quota.tokens.remaining));
  }
}

/** 429 in the provider's shape: the error type names the exhausted quota, as the provider's does. */
export function sendLimited(reply: FastifyReply, refusal: Refusal): FastifyReply {
  if (refusal.retryAfterMs !== undefined) {
    setRetryAfter(reply, refusal.retryAfterMs);
  }

  const type = refusal.reason === 'tokens' ? 'tokens' : 'requests';
  return sendError(reply, 429, errorBody(refusal.message, type, 'rate_limit_exceeded'));
}
