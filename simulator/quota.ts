/** How a request measures up against one limit rule: the refusals it earns and the quota left for headers. */

import type { SlidingWindow } from './window';

export const limitReasons = ['requests', 'tokens', 'concurrency'] as const;

export type LimitReason = (typeof limitReasons)[number];

export interface LimitRule {
  /** Only requests for this model; when absent, one quota shared by the requests for every model. */
  model?: string;
  /** Requests admitted per window. */
  requestsPerMinute?: number;
  /** Tokens admitted per window: prompt tokens plus the output allowance of each request. */
  tokensPerMinute?: number;
  /** Requests being answered at once. */
  maxConcurrent?: number;
  /** Length of the sliding window; default 60000, which the per-minute names assume. */
  windowMs?: number;
}

/** A rule in force, with the requests it admitted during its window. */
export interface ActiveLimit {
  rule: LimitRule;
  window: SlidingWindow;
}

export interface Refusal {
  reason: LimitReason;
  /** Until the window has room for the request; undefined when waiting cannot make room. */
  retryAfterMs: number | undefined;
  message: string;
}

/** What the x-ratelimit headers report: for each kind, the rule with the least left. */
export interface QuotaState {
  requests?: { limit: number; remaining: number };
  tokens?: { limit: number; remaining: number };
}

/** The request being admitted: its model, its cost in tokens, and how many requests are already in flight. */
export interface Candidate {
  model: string;
  tokens: number;
  now: number;
  inFlight: (rule: LimitRule) => number;
}

export const defaultWindowMs = 60_000;

export function usesWindow(rule: LimitRule): boolean {
  return rule.requestsPerMinute !== undefined || rule.tokensPerMinute !== undefined;
}

/** Refusals for the request and token counts of one rule's window. */
export function windowRefusals({ rule, window }: ActiveLimit, candidate: Candidate): Refusal[] {
  const refusals: Refusal[] = [];
  const { model, tokens, now } = candidate;

  const requestLimit = rule.requestsPerMinute;
  if (requestLimit !== undefined) {
    const used = window.requests(now);
    const wait = window.waitFor(now, (requests) => requests + 1 <= requestLimit);
    if (wait !== 0) {
      const message = `Rate limit reached for ${model} on ${perWindow('requests', 'RPM', rule)}: `
        + `Limit ${requestLimit}, Used ${used}, Requested 1.${tryAgain(wait)}`;
      refusals.push({ reason: 'requests', retryAfterMs: wait, message });
    }
  }

  const tokenLimit = rule.tokensPerMinute;
  if (tokenLimit !== undefined) {
    const used = window.tokens(now);
    const wait = window.waitFor(now, (_requests, inWindow) => inWindow + tokens <= tokenLimit);
    if (wait === undefined) {
      const message = `Request too large for ${model} on ${perWindow('tokens', 'TPM', rule)}: `
        + `Limit ${tokenLimit}, Requested ${tokens}. The input or output tokens must be reduced in order to run `
        + 'successfully. (simulated)';
      refusals.push({ reason: 'tokens', retryAfterMs: undefined, message });
    } else if (wait !== 0) {
      const message = `Rate limit reached for ${model} on ${perWindow('tokens', 'TPM', rule)}: `
        + `Limit ${tokenLimit}, Used ${used}, Requested ${tokens}.${tryAgain(wait)}`;
      refusals.push({ reason: 'tokens', retryAfterMs: wait, message });
    }
  }

  return refusals;
}

/** The refusal for one rule's concurrency limit, if the request would take more slots than it allows. */
export function concurrencyRefusal({ rule }: ActiveLimit, candidate: Candidate): Refusal | undefined {
  const max = rule.maxConcurrent;
  const inFlight = candidate.inFlight(rule);
  if (max === undefined || inFlight + 1 <= max) {
    return undefined;
  }

  // Nothing in the window says when a slot frees up, so there is no wait to promise.
  const message = `Too many concurrent requests for ${candidate.model}: Limit ${max}, In flight ${inFlight}. `
    + 'Please try again later. (simulated)';
  return { reason: 'concurrency', retryAfterMs: undefined, message };
}

/** The quota left in the tightest request and token limits of the rules, at `now`. */
export function quotaOf(limits: readonly ActiveLimit[], now: number): QuotaState {
  const state: QuotaState = {};

  for (const { rule, window } of limits) {
    if (rule.requestsPerMinute !== undefined) {
      const remaining = Math.max(0, rule.requestsPerMinute - window.requests(now));
      if (state.requests === undefined || remaining < state.requests.remaining) {
        state.requests = { limit: rule.requestsPerMinute, remaining };
      }
    }

    if (rule.tokensPerMinute !== undefined) {
      const remaining = Math.max(0, rule.tokensPerMinute - window.tokens(now));
      if (state.tokens === undefined || remaining < state.tokens.remaining) {
        state.tokens = { limit: rule.tokensPerMinute, remaining };
      }
    }
  }

  return state;
}

/** Names the limit the way the provider does, and says so plainly when the window is not a minute. */
function perWindow(unit: 'requests' | 'tokens', abbreviation: string, rule: LimitRule): string {
  const windowMs = rule.windowMs ?? defaultWindowMs;
  return windowMs === defaultWindowMs ? `${unit} per min (${abbreviation})` : `${unit} per ${windowMs} ms`;
}

function tryAgain(waitMs: number | undefined): string {
  if (waitMs === undefined) {
    return ' (simulated)';
  }

  const wait = waitMs < 1000 ? `${Math.ceil(waitMs)}ms` : `${Number((waitMs / 1000).toFixed(3))}s`;
  return ` Please try again in ${wait}. (simulated)`;
}
