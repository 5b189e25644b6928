/**
 * The one catalogue of error codes. Every failure that leaves the product (an HTTP response, a workflow
 * failure, a CLI message) carries one of these codes; tests assert codes, never wording.
 *
 * This file is imported by workflow code, so it must stay free of I/O and Node built-ins.
 */
export const errorCatalogue = {
  REQUEST_INVALID: { status: 400, message: 'The request is invalid at {field}: {reason}' },
  REQUEST_TOO_LARGE: { status: 413, message: 'The request {field} is larger than {reason}' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route {field}' },
  TEMPLATE_NOT_FOUND: { status: 404, message: 'No prompt template {reason} (see {field})' },
  TEMPLATE_INPUT_INVALID: { status: 400, message: 'The template input is invalid at {field}: {reason}' },
  GENERATION_NOT_FOUND: { status: 404, message: 'No generation with id {field}' },
  GENERATION_ALREADY_STARTED: { status: 409, message: 'A generation with id {field} already exists' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, message: 'Idempotency key {field} was used for a different request' },
  GENERATION_TERMINATED: { status: 409, message: 'Generation {field} was terminated: {reason}' },
  GENERATION_CANCELLED: { status: 409, message: 'Generation {field} was cancelled' },
  WORKER_UNAVAILABLE: { status: 503, message: 'No worker answered for {field} in time: {reason}' },
  REVIEW_NOT_PENDING: { status: 409, message: 'Generation {field} is not waiting for a review' },
  REVIEW_DECISION_INVALID: { status: 400, message: 'The review decision is invalid at {field}: {reason}' },
  REVIEW_EDIT_INVALID: { status: 422, message: 'The edited output is invalid at {field}: {reason}' },
  PROVIDER_RATE_LIMITED: { status: 503, message: 'Provider {field} is rate limiting: {reason}' },
  PROVIDER_UNAVAILABLE: { status: 503, message: 'Provider {field} is unavailable: {reason}' },
  PROVIDER_REJECTED: { status: 502, message: 'Provider {field} rejected the request: {reason}' },
  PROVIDER_NOT_CONFIGURED: { status: 500, message: 'No provider named {field} is configured' },
  OUTPUT_TRUNCATED: { status: 502, message: 'Model {field} stopped at its output limit' },
  BUDGET_EXCEEDED: { status: 429, message: 'Tenant {field} has used its daily budget: {reason}' },
  BUDGET_REQUEST_TOO_LARGE: { status: 422, message: 'The request alone exceeds the daily budget of {field}: {reason}' },
  QUOTA_WAIT_EXCEEDED: { status: 503, message: 'Waited longer than the tier allows for quota on {field}' },
  QUOTA_REQUEST_TOO_LARGE: { status: 422, message: 'The request alone exceeds the minute quota of {field}: {reason}' },
  CONTEXT_TOO_LONG: { status: 422, message: 'The prompt does not fit the context window of {field}: {reason}' },
  CONTENT_FILTERED: { status: 422, message: 'Provider {field} filtered the request or answer: {reason}' },
  RETRY_AFTER_PAST_DEADLINE: { status: 503, message: 'Provider {field} asks for a wait past the deadline: {reason}' },
  REQUEST_DEADLINE_EXCEEDED: { status: 504, message: 'No model answered within the {field}: {reason}' },
  STREAM_STALLED: { status: 504, message: 'The answer of {field} stopped arriving: {reason}' },
  STREAM_INTERRUPTED: { status: 502, message: 'The answer of {field} ended before it was complete: {reason}' },
  CALL_TIMED_OUT: { status: 504, message: 'A call to {field} ran past modelCall.startToCloseTimeout: {reason}' },
  WORKER_LOST: { status: 503, message: 'The worker calling {field} stopped heartbeating: {reason}' },
  CIRCUIT_OPEN: { status: 503, message: 'Provider model {field} is skipped while its circuit is open' },
  PAYLOAD_MISSING: { status: 410, message: 'A stored text of {field} is gone from the shared store: {reason}' },
  ALL_PROVIDERS_FAILED: { status: 502, message: 'Every provider in the chain failed: {reason}' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid at {field}: {reason}' },
  TEMPORAL_UNAVAILABLE: { status: 503, message: 'The Temporal service at {field} cannot be reached: {reason}' },
  INTERNAL: { status: 500, message: 'Internal error: {reason}' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ErrorDetails {
  field?: string;
  reason?: string;
}

/** Fills a catalogue template; the code and field stay machine-readable beside the text. */
export function formatErrorMessage(code: ErrorCode, details: ErrorDetails = {}): string {
  return errorCatalogue[code].message
    .replace('{field}', details.field ?? '(unknown)')
    .replace('{reason}', details.reason ?? 'no reason given');
}

/** The error thrown by product code outside workflows: a code from the catalogue plus what was wrong. */
export class ProductError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly status: number;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(formatErrorMessage(code, details), options);
    this.name = 'ProductError';
    this.code = code;
    this.field = details.field;
    this.status = errorCatalogue[code].status;
  }
}
