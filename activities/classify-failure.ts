import { ApplicationFailure } from '@temporalio/activity';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ErrorCode } from '../common/errors';

/**
 * Turns a provider error into the failure Temporal acts on. Temporal owns every retry: a retryable failure
 * is tried again by the activity's retry policy (after the provider's Retry-After when it named one), a
 * non-retryable one sends the workflow straight to the next entry of the chain.
 */
export function classifyProviderError(err: unknown, provider: string, model: string): ApplicationFailure {
  const where = `${provider}/${model}`;

  if (err instanceof APIUserAbortError) {
    return failure('PROVIDER_UNAVAILABLE', `${where}: call cancelled`, false, err);
  }

  if (err instanceof APIConnectionError) {
    return failure('PROVIDER_UNAVAILABLE', `${where}: ${err.message}`, false, err);
  }

  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const retryAfterMs = retryAfterFrom(err.headers as Headers | undefined);

    if (status === 429) {
      return failure('PROVIDER_RATE_LIMITED', `${where}: 429 ${err.message}`, false, err, retryAfterMs);
    }
    if (status >= 500 || status === 408 || status === 409) {
      return failure('PROVIDER_UNAVAILABLE', `${where}: ${status} ${err.message}`, false, err, retryAfterMs);
    }

    // 400, 401, 403, 404, 422: the same request will fail the same way, so no retry against this provider.
    return failure('PROVIDER_REJECTED', `${where}: ${status} ${err.message}`, true, err);
  }

  return failure('PROVIDER_UNAVAILABLE', `${where}: ${(err as Error)?.message ?? String(err)}`, false, err);
}

function failure(
  code: ErrorCode,
  message: string,
  nonRetryable: boolean,
  cause: unknown,
  nextRetryDelayMs?: number,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable,
    nextRetryDelay: nextRetryDelayMs,
    cause: cause instanceof Error ? cause : undefined,
  });
}

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterFrom(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(milliseconds) && milliseconds > 0) {
    return milliseconds;
  }

  const value = headers?.get('retry-after');
  if (!value) {
    return undefined;
  }

  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }

  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
