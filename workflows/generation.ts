import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { createActivities } from '../activities';
import {
  type GenerationPlan,
  type GenerationRequest,
  type GenerationResult,
  type GenerationState,
  type CacheOutcome,
  type ModelAnswer,
  type ModelTarget,
  type ValidationReport,
  type ReviewDecision,
  type ReviewRecord,
  type Stage,
  type ReviewStatus,
  reviewUpdate,
  stateQuery,
} from './contract';
import { reviewDecisionSchema } from './review-decision';
import { firstProblem } from '../common/zod-issues';
import { reviewStatusKey, stageKey, templateVersionKey } from './search-attributes';
import { resolveStatus, reviewIsRequired } from './outcome';
import { callChain } from './model-chain';

type Activities = ReturnType<typeof createActivities>;

// Prompt building and validation are quick and local: retry a few times, but never a bad template or input.
const local = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['TEMPLATE_NOT_FOUND', 'TEMPLATE_INPUT_INVALID', 'REQUEST_INVALID'],
  },
});

/**
 * One generative request: build the prompt, call the models of the chain in order until one answers,
 * validate the answer, and wait for a person when the review policy asks for one.
 */
export async function generationWorkflow(request: GenerationRequest): Promise<GenerationResult> {
  const state: GenerationState = { stage: 'queued', reviewStatus: 'not_required', attempts: [] };
  let pendingDecision: ReviewRecord | undefined;
  let editReport: ValidationReport | undefined;
  let decisionInFlight = false;

  setHandler(stateQuery, () => state);

  setHandler(
    reviewUpdate,
    async (decision: ReviewDecision) => {
      decisionInFlight = true;
      try {
        if (decision.decision === 'edit') {
          editReport = await validateEdit(plan, decision.output);
        }
        pendingDecision = {
          decision: decision.decision,
          reviewer: decision.reviewer,
          comment: decision.comment,
          decidedAt: new Date().toISOString(),
          via: 'person',
        };
        return pendingDecision;
      } finally {
        decisionInFlight = false;
      }
    },
    {
      // A validator rejects before anything reaches history, so a stray or malformed decision leaves no trace.
      validator: (decision: ReviewDecision) => {
        if (state.reviewStatus !== 'pending' || pendingDecision || decisionInFlight) {
          throw ApplicationFailure.nonRetryable('No review is pending', 'REVIEW_NOT_PENDING');
        }
        if (decision?.decision === 'approve' && state.validation?.valid === false) {
          throw ApplicationFailure.nonRetryable('the output is invalid; edit it or reject it',
            'REVIEW_DECISION_INVALID', { field: 'decision' });
        }
        const parsed = reviewDecisionSchema.safeParse(decision);
        if (!parsed.success) {
          const { field, reason } = firstProblem(parsed.error.issues, '(decision)');
          throw ApplicationFailure.nonRetryable(reason, 'REVIEW_DECISION_INVALID', { field });
        }
      },
    },
  );

  enterStage(state, 'prompt');
  const plan = await local.preparePrompt(request).catch(failWithCause);
  state.templateId = plan.templateId;
  state.templateVersion = plan.templateVersion;
  upsertSearchAttributes([{ key: templateVersionKey, value: plan.templateVersion }]);

  enterStage(state, 'model');
  const chain = await callChain(plan, state, enterStage);
  const answer = chain.filteredBy ? withheldAnswer(chain.filteredBy) : chain.answer;
  const cache: CacheOutcome = chain.filteredBy ? 'off' : chain.cache;

  enterStage(state, 'validation');
  const validation = chain.filteredBy ? withheldReport(chain.filteredBy) : await local.validateOutput({
    templateId: plan.templateId,
    templateVersion: plan.templateVersion,
    input: plan.input,
    output: answer.textRef ?? answer.text,
  });
  state.validation = validation;
  if (!validation.valid) {
    log.warn('output failed validation', { issues: validation.issues });
  }
  if (!chain.filteredBy) {
    await settleCache(chain.cacheKey, chain.ownsKey, cache, answer, validation);
  }

  let review: ReviewRecord | undefined;
  // A filtered answer goes to a person whatever the review policy: only they can write or refuse it.
  if (chain.filteredBy || reviewIsRequired(plan.review.policy, validation)) {
    state.reviewReason = chain.filteredBy ? 'content_filtered' : 'policy';
    review = await waitForReview(plan, state, () => pendingDecision, () => decisionInFlight);
  }

  enterStage(state, 'done');
  await condition(allHandlersFinished);

  // After an edit, the edit is what is released, so its validation is the one reported.
  const finalValidation = review?.decision === 'edit' && editReport ? editReport : validation;
  const status = resolveStatus(finalValidation, review);
  const released = status === 'approved' || status === 'completed';
  return {
    status,
    output: released ? finalValidation.output : null,
    template: { id: plan.templateId, version: plan.templateVersion },
    answeredBy: { provider: answer.provider, model: answer.model },
    simulated: answer.simulated,
    cache,
    tier: plan.tier.name,
    quotaWaitMs: cache === 'hit' ? 0 : answer.quotaWaitMs,
    costMicroUsd: cache === 'hit' ? 0 : answer.costMicroUsd,
    usage: answer.usage,
    attempts: state.attempts,
    validation: finalValidation,
    review,
    reviewReason: state.reviewReason,
  };
}

/** Stands in for the answer a content filter withheld: nothing to release, nothing spent that was reported. */
function withheldAnswer(target: ModelTarget): ModelAnswer {
  return { ...target, text: '', finishReason: 'content_filter', usage: { inputTokens: 0, outputTokens: 0 },
    simulated: false, latencyMs: 0, quotaWaitMs: 0, costMicroUsd: 0 };
}

function withheldReport(target: ModelTarget): ValidationReport {
  return { valid: false, output: null, flags: ['content_filtered'],
    issues: [`(output): ${target.provider}/${target.model} withheld its answer by content policy`] };
}

/**
 * Fills the cache with a validated answer, or gives up the key so identical runs stop waiting for this one.
 * An answer that failed its schema or was flagged by a check never enters the cache.
 */
async function settleCache(key: string | undefined, ownsKey: boolean, cache: CacheOutcome, answer: ModelAnswer,
  validation: ValidationReport): Promise<void> {
  if (!key || cache === 'hit') {
    return;
  }

  // The cache only saves money: a store that cannot be written must not fail a run that has its answer.
  try {
    if (validation.valid && validation.flags.length === 0) {
      await local.fillCache(key, answer);
    } else if (ownsKey) {
      await local.releaseCacheClaim(key, workflowInfo().workflowId);
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) {
      throw err;
    }
    log.warn('cache could not be filled', { message: err.message });
  }
}

/** Fails the run with the activity's own catalogue code, so callers see TEMPLATE_INPUT_INVALID, not a wrapper. */
function failWithCause(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    throw ApplicationFailure.create({
      type: err.cause.type ?? 'INTERNAL',
      message: err.cause.message,
      nonRetryable: true,
      details: err.cause.details as unknown[] | undefined,
    });
  }
  throw err;
}

/** Waits durably for a decision; at the deadline the policy's outcome is applied and recorded as such. */
async function waitForReview(
  plan: GenerationPlan,
  state: GenerationState,
  decided: () => ReviewRecord | undefined,
  deciding: () => boolean,
): Promise<ReviewRecord> {
  enterStage(state, 'review');
  setReviewStatus(state, 'pending');
  state.reviewDeadline = new Date(Date.now() + msToNumber(plan.review.deadline)).toISOString();

  await condition(() => decided() !== undefined, plan.review.deadline);
  // A decision accepted just before the deadline may still be validating its edit; the reviewer was told it
  // was accepted, so it wins over the deadline once it finishes.
  await condition(() => !deciding());
  const decision = decided();
  const record: ReviewRecord = decision
    ? decision
    : {
      decision: plan.review.deadlineOutcome,
      reviewer: 'deadline',
      decidedAt: new Date().toISOString(),
      via: 'deadline',
    };

  state.review = record;
  setReviewStatus(state, statusAfterReview(record));
  log.info('review decided', { decision: record.decision, via: record.via, workflowId: workflowInfo().workflowId });
  return record;
}

async function validateEdit(plan: GenerationPlan, output: unknown): Promise<ValidationReport> {
  // A failed check (a stored input gone from the store) fails the decision with its own code, not INTERNAL.
  const report = await local.validateOutput({
    templateId: plan.templateId,
    templateVersion: plan.templateVersion,
    input: plan.input,
    output: { value: output },
  }).catch(failWithCause);
  if (!report.valid) {
    // Failing the update (not the workflow) tells the reviewer why and keeps the review open.
    const path = report.issues[0]?.split(':')[0] ?? '';
    const field = path === '' || path === '(output)' ? 'output' : `output.${path}`;
    throw ApplicationFailure.nonRetryable(`Edited output is invalid: ${report.issues.join('; ')}`,
      'REVIEW_EDIT_INVALID', { field, issues: report.issues });
  }

  return report;
}

function statusAfterReview(record: ReviewRecord): ReviewStatus {
  if (record.via === 'deadline') {
    return 'expired';
  }

  return record.decision === 'approve' ? 'approved' : record.decision === 'edit' ? 'edited' : 'rejected';
}

function enterStage(state: GenerationState, stage: Stage): void {
  state.stage = stage;
  upsertSearchAttributes([{ key: stageKey, value: stage }]);
}

function setReviewStatus(state: GenerationState, status: ReviewStatus): void {
  state.reviewStatus = status;
  upsertSearchAttributes([{ key: reviewStatusKey, value: status }]);
}

