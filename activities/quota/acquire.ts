import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DailyBudget, QuotaStore, RateLimits } from './types';

export interface QuotaClaim {
  id: string;
  bucket: string;
  tenant: string;
  limits: RateLimits;
  budget: DailyBudget;
  tokens: number;
  estimatedCostMicroUsd: number;
  leaseMs: number;
  /** When the workflow first queued this call; the tier's longest wait counts from here. */
  queuedAtMs: number;
  maxWaitMs: number;
}

/** Longest single sleep, so the heartbeat keeps flowing and a freed slot is noticed quickly. */
const longestSleepMs = 1_000;

/**
 * Waits inside the activity until the shared store grants the reservation. The queue already paced this call
 * by priority and fairness, so waits here are short; the tier's longest wait still bounds them. Returns how
 * long the call waited for quota in all.
 */
export async function acquireQuota(store: QuotaStore, claim: QuotaClaim): Promise<number> {
  const context = Context.current();

  for (;;) {
    const now = Date.now();
    const outcome = await store.reserve({ ...claim, nowMs: now });

    switch (outcome.kind) {
      case 'granted':
        return Math.max(0, now - claim.queuedAtMs);
      case 'over_budget':
        throw ApplicationFailure.create({ type: 'BUDGET_EXCEEDED', nonRetryable: true,
          message: `${claim.tenant}: daily ${outcome.budget} ${outcome.used} of ${outcome.limit} used` });
      case 'too_large':
        throw tooLarge(claim, outcome.limit, outcome.requested, outcome.max);
      case 'wait':
        if (now + outcome.retryAfterMs - claim.queuedAtMs > claim.maxWaitMs) {
          throw ApplicationFailure.create({ type: 'QUOTA_WAIT_EXCEEDED', nonRetryable: true,
            message: `${claim.bucket}: ${outcome.reason} quota not free within ${claim.maxWaitMs} ms` });
        }
        context.heartbeat({ waitingFor: outcome.reason });
        await sleep(Math.min(outcome.retryAfterMs, longestSleepMs), undefined, { signal: context.cancellationSignal });
    }
  }
}

function tooLarge(claim: QuotaClaim, limit: string, requested: number, max: number): ApplicationFailure {
  // A per-minute limit too small for this prompt is the model's problem (try the next one); a daily budget
  // too small for it is the tenant's, and no other model changes that.
  const type = limit === 'tokensPerMinute' ? 'QUOTA_REQUEST_TOO_LARGE' : 'BUDGET_REQUEST_TOO_LARGE';
  return ApplicationFailure.create({ type, nonRetryable: true,
    message: `${claim.tenant} on ${claim.bucket}: ${limit} is ${max}, the request needs ${requested}` });
}
