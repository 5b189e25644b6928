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
    const headers = err.headers as Headers | undefined;
    const retryAfterMs = retryAfterFrom(headers) ?? (status === 429 ? quotaResetFrom(headers) : undefined);

    if (status === 429) {
      return failure('PROVIDER_RATE_LIMITED', `${where}: 429 ${err.message}`, false, err, retryAfterMs);
    }
    if (status >= 500 || status === 408 || status === 409) {
      return failure('PROVIDER_UNAVAILABLE', `${where}: ${status} ${err.message}`, false, err, retryAfterMs);
    }

    // 400, 401, 403, 404, 413, 422: the same request fails the same way, so no retry against this provider.
    // Two of them say something about the request rather than the provider, and get their own codes.
    const code = errorCodeOf(err as { code?: unknown });
    if (isContextTooLong(code, err.message)) {
      return failure('CONTEXT_TOO_LONG', `${where}: ${err.message}`, true, err);
    }
    if (isContentFiltered(code, err.message)) {
      return failure('CONTENT_FILTERED', `${where}: ${err.message}`, true, err);
    }
    return failure('PROVIDER_REJECTED', `${where}: ${status} ${err.message}`, true, err);
  }

  return failure('PROVIDER_UNAVAILABLE', `${where}: ${(err as Error)?.message ?? String(err)}`, false, err);
}

/**
 * Providers word an over-long prompt in many ways: OpenAI's `context_length_exceeded`, vLLM's "maximum context
 * length", Ollama's and others' "too many tokens" or "prompt is too long", Anthropic-style "input is too long".
 */
const contextTooLongWording = new RegExp(['context[_ ]length', 'context window', 'maximum context', 'too many tokens',
  'prompt is too long', 'input is too long', 'reduce the length'].join('|'), 'i');
const contentFilterWording = /content[_ ]filter|content management policy|content[_ ]policy|safety system/i;

export function isContextTooLong(code: string | undefined, message: string): boolean {
  return code === 'context_length_exceeded' || code === 'string_above_max_length' ||
    contextTooLongWording.test(message);
}

export function isContentFiltered(code: string | undefined, message: string): boolean {
  return code === 'content_filter' || code === 'content_policy_violation' || contentFilterWording.test(message);
}

function errorCodeOf(err: { code?: unknown }): string | undefined {
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
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

/**
 * Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date). Undefined when absent, unreadable, zero or
 * past (a skewed clock): the retry policy's own backoff applies then, since Temporal takes a next-retry delay of
 * zero as no retry at all.
 */
export function retryAfterFrom(headers: Headers | undefined, now = Date.now()): number | undefined {
  const wait = namedWait(headers, now);
  return wait !== undefined && wait > 0 ? wait : undefined;
}

function namedWait(headers: Headers | undefined, now: number): number | undefined {
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

/**
 * OpenAI-style quota headers, for providers that send no Retry-After: the reset time of each exhausted quota
 * (`x-ratelimit-remaining-requests: 0` with `x-ratelimit-reset-requests: 6m0s`), or of any quota when none says
 * it is exhausted. The longest wait wins, since the request needs every quota.
 */
export function quotaResetFrom(headers: Headers | undefined): number | undefined {
  const kinds = ['requests', 'tokens'];
  const exhausted = kinds.filter((kind) => headers?.get(`x-ratelimit-remaining-${kind}`) === '0');
  const waits = (exhausted.length > 0 ? exhausted : kinds)
    .map((kind) => goDurationMs(headers?.get(`x-ratelimit-reset-${kind}`) ?? ''))
    .filter((wait): wait is number => wait !== undefined);

  const longest = Math.max(0, ...waits);
  return longest > 0 ? longest : undefined;
}

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** "20ms", "1.5s", "6m0s", "1h2m3s"; undefined for anything else. */
export function goDurationMs(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) {
    return undefined;
  }

  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (unitMs[unit ?? ''] ?? 0), 0);
}
