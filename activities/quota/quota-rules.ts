import type { ActualUsage, ReservationOutcome, ReservationRequest } from './types';

/** Rules both quota stores share, so that SQLite and Redis give the same answer to the same calls. */

/**
 * Providers count requests and tokens over a sliding minute. Ours is half a second longer: a call is granted
 * here a few milliseconds before the provider admits it, and a window exactly as long as the provider's could
 * let a call in just before the provider's own window has freed the slot.
 */
export const WINDOW_MS = 60_500;

/** Concurrency slots usually free on settle, long before the lease runs out, so a waiter looks again soon. */
export const MAX_CONCURRENCY_WAIT_MS = 1_000;

/**
 * A reservation still in flight outlives the window: a model call may take minutes and its settle must find
 * the estimate to correct. A holder that died is forgotten after this long.
 */
export const IN_FLIGHT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Daily totals are kept a little over a week, enough to look back at yesterday and a few days before. */
export const DAILY_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

/** The UTC day of an instant as `YYYY-MM-DD`, the key of a tenant's daily totals. */
export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** The request alone exceeds a whole limit or budget, whatever else is in use. */
export function tooLarge(request: ReservationRequest): ReservationOutcome | undefined {
  const { tokens, estimatedCostMicroUsd: cost, limits, budget } = request;

  if (limits.tokensPerMinute !== undefined && tokens > limits.tokensPerMinute) {
    return { kind: 'too_large', limit: 'tokensPerMinute', requested: tokens, max: limits.tokensPerMinute };
  }
  if (budget.tokens !== undefined && tokens > budget.tokens) {
    return { kind: 'too_large', limit: 'dailyTokens', requested: tokens, max: budget.tokens };
  }
  if (budget.costMicroUsd !== undefined && cost > budget.costMicroUsd) {
    return { kind: 'too_large', limit: 'dailyCost', requested: cost, max: budget.costMicroUsd };
  }
  return undefined;
}

/** Until the earliest live lease runs out, but never long: a settle usually frees a slot much sooner. */
export function concurrencyWaitMs(earliestLeaseUntil: number | null, nowMs: number): number {
  if (earliestLeaseUntil === null) {
    return MAX_CONCURRENCY_WAIT_MS;
  }
  return Math.min(Math.max(1, earliestLeaseUntil - nowMs), MAX_CONCURRENCY_WAIT_MS);
}

/** Until the oldest request of the window leaves it. */
export function requestWaitMs(oldestAtMs: number | null, nowMs: number): number {
  if (oldestAtMs === null) {
    return WINDOW_MS;
  }
  return Math.max(1, oldestAtMs + WINDOW_MS - nowMs);
}

export interface WindowEntry {
  atMs: number;
  tokens: number;
}

/**
 * How long until `tokens` more fit under `tokensPerMinute`, given the window's entries oldest first;
 * undefined when they fit now. Entries leave one by one, so the wait ends when the entry whose departure
 * makes room leaves.
 */
export function tokenWaitMs(
  entries: WindowEntry[],
  tokens: number,
  tokensPerMinute: number,
  nowMs: number,
): number | undefined {
  let inWindow = entries.reduce((sum, entry) => sum + entry.tokens, 0);
  if (inWindow + tokens <= tokensPerMinute) {
    return undefined;
  }

  for (const entry of entries) {
    inWindow -= entry.tokens;
    if (inWindow + tokens <= tokensPerMinute) {
      return Math.max(1, entry.atMs + WINDOW_MS - nowMs);
    }
  }

  // Unreachable once too_large has been ruled out: an empty window holds any request up to the limit.
  return WINDOW_MS;
}

/**
 * Both stores add and subtract these numbers; Redis only counts in integers, so fractions and negative
 * amounts are refused up front instead of being rounded differently by each store.
 */
export function assertValidRequest(request: ReservationRequest): void {
  assertCount('tokens', request.tokens);
  assertCount('estimatedCostMicroUsd', request.estimatedCostMicroUsd);
  assertCount('leaseMs', request.leaseMs);
  assertCount('nowMs', request.nowMs);

  const optional: Record<string, number | undefined> = {
    ...request.limits,
    'budget.tokens': request.budget.tokens,
    'budget.costMicroUsd': request.budget.costMicroUsd,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) {
      assertCount(name, value);
    }
  }
}

export function assertValidUsage(usage: ActualUsage, nowMs: number): void {
  assertCount('usage.tokens', usage.tokens);
  assertCount('usage.costMicroUsd', usage.costMicroUsd);
  assertCount('nowMs', nowMs);
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`quota: ${name} must be a non-negative integer, got ${value}`);
  }
}
