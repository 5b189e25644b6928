import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  TimeoutFailure,
  log,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { createActivities } from '../activities';
import type { CacheOutcome, GenerationPlan, GenerationState, ModelAnswer, ModelAttempt, ModelTarget, Stage }
  from './contract';
import { modelKey, passedOverKey, providerKey } from './search-attributes';

type Activities = ReturnType<typeof createActivities>;

/** Failures that are the tenant's, not the model's: no other chain entry can change them. */
const failRunAtOnce = new Set(['BUDGET_EXCEEDED', 'BUDGET_REQUEST_TOO_LARGE']);

const cacheActivities = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['BUDGET_EXCEEDED', 'BUDGET_REQUEST_TOO_LARGE'] },
});

const budgetActivities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['BUDGET_EXCEEDED', 'BUDGET_REQUEST_TOO_LARGE'] },
});

export type ChainOutcome = AnsweredChain | FilteredChain;

/** Under the `review` content filter policy: the entry whose filter stopped the chain, for a person to handle. */
export interface FilteredChain {
  filteredBy: ModelTarget;
}

export interface AnsweredChain {
  filteredBy?: undefined;
  answer: ModelAnswer;
  cache: CacheOutcome;
  cacheKey?: string;
  /** True when this run claimed the cache key and must fill or release it. */
  ownsKey: boolean;
}

/**
 * Tries each chain entry in order until one answers. For each entry the cache is checked first (a hit skips
 * quota and provider); then the call goes to the model's own task queue, ordered by the tier's priority and
 * the tenant's fairness key. Temporal retries each entry by its policy before the next one is tried.
 */
export async function callChain(plan: GenerationPlan, state: GenerationState,
  enterStage: (state: GenerationState, stage: Stage) => void): Promise<ChainOutcome> {
  await checkBudgetFirst(plan, state, enterStage);
  // Runs started before deadlines existed have none in their recorded plan, and keep running without one.
  const deadlineAtMs = plan.deadline === undefined ? Number.POSITIVE_INFINITY
    : workflowInfo().startTime.getTime() + msToNumber(plan.deadline);

  for (const [index, target] of plan.chain.entries()) {
    if (noTimeLeft(deadlineAtMs)) {
      failAtDeadline(plan, state, enterStage);
    }

    upsertSearchAttributes([
      { key: providerKey, value: target.provider },
      { key: modelKey, value: target.model },
    ]);

    const cached = await checkCache(plan, target, deadlineAtMs).catch((err: unknown): CacheCheck => {
      // The cache only saves money; when its store is unreachable the call goes to the provider.
      if (!(err instanceof ActivityFailure)) {
        throw err;
      }
      log.warn('cache lookup failed; calling the provider', { message: err.message });
      return { outcome: 'off', owner: false };
    });
    if (cached.answer) {
      state.attempts.push({ ...target, outcome: 'answered' });
      state.answer = summaryOf(cached.answer);
      return { answer: cached.answer, cache: 'hit', ownsKey: false };
    }

    // Waiting for an identical run's answer may have used up the rest of the time.
    if (noTimeLeft(deadlineAtMs)) {
      await releaseClaim(cached);
      failAtDeadline(plan, state, enterStage);
    }

    try {
      const answer = await callOnQueue(plan, target, plan.modelQueues[index] ?? '', deadlineAtMs);
      state.attempts.push({ ...target, outcome: 'answered' });
      state.answer = summaryOf(answer);
      return { answer, cache: cached.outcome, cacheKey: cached.key, ownsKey: cached.owner };
    } catch (err) {
      if (isCancellation(err)) {
        // A cancelled run still gives up its cache key, or identical runs would wait for an answer that never
        // comes; the release must run although the run's own scope is cancelled.
        await CancellationScope.nonCancellable(() => releaseClaim(cached));
        throw err;
      }
      if (!(err instanceof ActivityFailure)) {
        throw err;
      }
      await releaseClaim(cached);

      const attempt = describeFailure(target, err);
      state.attempts.push(attempt);
      upsertSearchAttributes([{ key: passedOverKey, value: state.attempts
        .filter((item) => item.outcome === 'failed')
        .map((item) => `${item.provider}/${item.model}:${item.errorCode ?? 'UNKNOWN'}`) }]);
      if (failRunAtOnce.has(attempt.errorCode ?? '')) {
        enterStage(state, 'failed');
        throw ApplicationFailure.create({ type: attempt.errorCode, message: attempt.message ?? 'budget',
          nonRetryable: true, details: [{ field: plan.tenant }] });
      }
      if (attempt.errorCode === 'CONTENT_FILTERED' && plan.review.onContentFilter === 'review') {
        log.warn('content filtered; a person decides', { ...target });
        return { filteredBy: target };
      }
      if (attempt.errorCode === 'REQUEST_DEADLINE_EXCEEDED') {
        failAtDeadline(plan, state, enterStage);
      }
      log.warn('chain entry failed, trying the next one', { ...target, errorCode: attempt.errorCode });
    }
  }

  enterStage(state, 'failed');
  const reasons = state.attempts.map((a) => `${a.provider}/${a.model}: ${a.errorCode ?? 'failed'}`).join('; ');
  throw ApplicationFailure.nonRetryable(`Every provider in the chain failed: ${reasons}`, 'ALL_PROVIDERS_FAILED', {
    attempts: state.attempts,
  });
}

/** Identical runs wait for a key's owner; one that will not call gives the key up so they stop waiting. */
async function releaseClaim(cached: CacheCheck): Promise<void> {
  if (cached.owner && cached.key) {
    await cacheActivities.releaseCacheClaim(cached.key, workflowInfo().workflowId).catch(() => undefined);
  }
}

/** Time a cache lookup takes on top of its wait for an identical run: reading and writing the store. */
const lookupMarginMs = 30_000;

/** Less than this left is no time for a call: the run ends at its deadline instead of scheduling one. */
const shortestCallMs = 1_000;

function noTimeLeft(deadlineAtMs: number): boolean {
  return deadlineAtMs - Date.now() < shortestCallMs;
}

function failAtDeadline(plan: GenerationPlan, state: GenerationState,
  enterStage: (state: GenerationState, stage: Stage) => void): never {
  enterStage(state, 'failed');
  const tried = state.attempts.map((a) => `${a.provider}/${a.model}: ${a.errorCode ?? 'failed'}`).join('; ');
  throw ApplicationFailure.create({ type: 'REQUEST_DEADLINE_EXCEEDED', nonRetryable: true,
    message: `no answer within ${String(plan.deadline)}${tried ? ` (${tried})` : ''}`,
    details: [{ field: 'deadline', attempts: state.attempts }] });
}

/** A request the tenant's budget can never pay for fails before it waits in any model's queue. */
async function checkBudgetFirst(plan: GenerationPlan, state: GenerationState,
  enterStage: (state: GenerationState, stage: Stage) => void): Promise<void> {
  const first = plan.chain[0];
  try {
    await budgetActivities.checkBudget({ tenant: plan.tenant, messages: plan.messages,
      maxOutputTokens: plan.maxOutputTokens, firstModel: first ? `${first.provider}/${first.model}` : '' });
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && failRunAtOnce.has(cause.type ?? '')) {
      enterStage(state, 'failed');
      throw ApplicationFailure.create({ type: cause.type ?? undefined, message: cause.message, nonRetryable: true,
        details: [{ field: plan.tenant }] });
    }
    if (!(err instanceof ActivityFailure)) {
      throw err;
    }
    // The store could not be read: the reservation before the call checks the budget again.
    log.warn('budget pre-check failed; the reservation will check it', { message: err.message });
  }
}

interface CacheCheck {
  answer?: ModelAnswer;
  outcome: CacheOutcome;
  key?: string;
  owner: boolean;
}

async function checkCache(plan: GenerationPlan, target: ModelTarget, deadlineAtMs: number): Promise<CacheCheck> {
  if (!plan.cache.enabled) {
    return { outcome: 'off', owner: false };
  }

  const lookupPlan = {
    tenant: plan.tenant,
    templateId: plan.templateId,
    templateVersion: plan.templateVersion,
    messages: plan.messages,
    outputJsonSchema: plan.outputJsonSchema,
    temperature: plan.temperature,
    maxOutputTokens: plan.maxOutputTokens,
  };
  if (plan.cache.bypass) {
    const key = await cacheActivities.cacheKey({ plan: lookupPlan, target });
    return { outcome: 'bypass', key, owner: false };
  }

  // An identical run's answer is waited for only as long as this run's deadline allows.
  const waitMs = Math.max(0, Math.min(plan.cache.inFlightWaitMs, deadlineAtMs - Date.now() - shortestCallMs));
  // Each attempt of the lookup may wait again, so all of them together are held to the time left.
  const { lookupCache } = proxyActivities<Activities>({
    startToCloseTimeout: waitMs + lookupMarginMs,
    scheduleToCloseTimeout: Number.isFinite(deadlineAtMs)
      ? Math.max(waitMs, deadlineAtMs - Date.now() - shortestCallMs) + lookupMarginMs : undefined,
    heartbeatTimeout: '20 seconds',
    retry: { maximumAttempts: 3 },
  });
  const lookup = await lookupCache({ plan: lookupPlan, target, owner: workflowInfo().workflowId, waitMs });
  return { answer: lookup.hit, outcome: 'miss', key: lookup.key, owner: lookup.owner };
}

function callOnQueue(plan: GenerationPlan, target: ModelTarget, taskQueue: string, deadlineAtMs: number):
  Promise<ModelAnswer> {
  const { callModel } = proxyActivities<Activities>({
    taskQueue,
    // Every attempt and every wait between attempts (a provider's Retry-After too) ends by the request deadline.
    scheduleToCloseTimeout: Number.isFinite(deadlineAtMs) ? deadlineAtMs - Date.now() : undefined,
    // Waiting in the model's queue longer than the tier allows moves the request on to the next entry.
    scheduleToStartTimeout: plan.tier.maxWaitMs,
    startToCloseTimeout: plan.callPolicy.startToCloseTimeout,
    heartbeatTimeout: plan.callPolicy.heartbeatTimeout,
    priority: { priorityKey: plan.tier.priority, fairnessKey: plan.tenant, fairnessWeight: plan.tier.weight },
    retry: {
      initialInterval: plan.callPolicy.initialInterval,
      maximumInterval: plan.callPolicy.maximumInterval,
      maximumAttempts: plan.callPolicy.maximumAttempts,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['PROVIDER_REJECTED', 'PROVIDER_NOT_CONFIGURED', 'BUDGET_EXCEEDED',
        'BUDGET_REQUEST_TOO_LARGE', 'QUOTA_REQUEST_TOO_LARGE', 'QUOTA_WAIT_EXCEEDED', 'CONTEXT_TOO_LONG',
        'CONTENT_FILTERED', 'CIRCUIT_OPEN', 'RETRY_AFTER_PAST_DEADLINE'],
    },
  });

  return callModel({
    target,
    tenant: plan.tenant,
    queuedAtMs: Date.now(),
    maxWaitMs: plan.tier.maxWaitMs,
    deadlineAtMs: Number.isFinite(deadlineAtMs) ? deadlineAtMs : undefined,
    streamIdleTimeout: plan.callPolicy.streamIdleTimeout,
    messages: plan.messages,
    outputJsonSchema: plan.outputJsonSchema,
    schemaName: plan.templateId.replace(/[^a-zA-Z0-9_-]/g, '_'),
    temperature: plan.temperature,
    maxOutputTokens: plan.maxOutputTokens,
  });
}

/** The answer without its text, which the state query need not repeat. */
function summaryOf(answer: ModelAnswer): Omit<ModelAnswer, 'text'> {
  const { provider, model, finishReason, usage, simulated, latencyMs, quotaWaitMs, costMicroUsd } = answer;
  return { provider, model, finishReason, usage, simulated, latencyMs, quotaWaitMs, costMicroUsd };
}

function describeFailure(target: ModelTarget, err: ActivityFailure): ModelAttempt {
  const cause = err.cause;
  let errorCode: string;
  if (cause instanceof ApplicationFailure) {
    errorCode = cause.type ?? 'APPLICATION';
  } else if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
    errorCode = 'QUOTA_WAIT_EXCEEDED';
  } else if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_CLOSE') {
    errorCode = 'REQUEST_DEADLINE_EXCEEDED';
  } else if (cause instanceof TimeoutFailure && cause.timeoutType === 'HEARTBEAT') {
    errorCode = 'WORKER_LOST';
  } else if (cause instanceof TimeoutFailure) {
    errorCode = 'CALL_TIMED_OUT';
  } else {
    errorCode = cause?.name ?? 'UNKNOWN';
  }

  return { ...target, outcome: 'failed', errorCode, message: cause?.message ?? err.message };
}
