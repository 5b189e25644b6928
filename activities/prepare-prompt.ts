import { ApplicationFailure } from '@temporalio/activity';
import { chainFor, type AppConfig, type ModelTarget } from '../common/config';
import { durationMs } from '../common/duration';
import { modelQueueName } from '../common/queues';
import { resolveTier } from '../common/tiers';
import { ProductError } from '../common/errors';
import { generationRequestSchema } from '../common/request-schema';
import { firstProblem } from '../common/zod-issues';
import { getTemplate } from '../prompts/library';
import { renderPrompt } from '../prompts/render';
import type { CacheStore } from './cache/types';
import { offloadFields, offloadMessages, resolveFields } from './payloads';
import type { GenerationPlan, GenerationRequest } from '../workflows/contract';

/**
 * Resolves the template version, validates the input against it and renders the prompt. The plan it returns
 * is recorded in history, so a replay never re-reads templates or config.
 */
export async function preparePlan(config: AppConfig, payloads: CacheStore, request: GenerationRequest):
  Promise<GenerationPlan> {
  try {
    checkRequest(request);
    const template = getTemplate(request.templateId, request.templateVersion);
    const rendered = await renderPrompt(template, await resolveFields(payloads, request.input));
    const chain = request.chain ?? chainFor(config, template.id);
    checkChain(config, chain);
    const tier = resolveTier(config, request.tenant);

    return {
      templateId: template.id,
      templateVersion: template.version,
      // The plan is recorded in history, so large texts in it travel by reference.
      messages: await offloadMessages(payloads, rendered.messages, config.store.payloadThresholdBytes),
      input: await offloadFields(payloads, rendered.input as Record<string, unknown>,
        config.store.payloadThresholdBytes),
      outputJsonSchema: rendered.outputJsonSchema,
      temperature: template.model.temperature,
      maxOutputTokens: template.model.maxOutputTokens,
      chain,
      review: {
        policy: request.review?.policy ?? template.review,
        deadline: request.review?.deadline ?? config.review.deadline,
        deadlineOutcome: request.review?.deadlineOutcome ?? config.review.deadlineOutcome,
        onContentFilter: request.review?.onContentFilter ?? config.review.onContentFilter,
      },
      callPolicy: {
        maximumAttempts: config.modelCall.maximumAttempts,
        initialInterval: config.modelCall.initialInterval,
        maximumInterval: config.modelCall.maximumInterval,
        heartbeatTimeout: config.modelCall.heartbeatTimeout,
        startToCloseTimeout: config.modelCall.startToCloseTimeout,
        streamIdleTimeout: config.modelCall.streamIdleTimeout,
      },
      deadline: request.deadline ?? config.modelCall.deadline,
      tenant: request.tenant,
      tier: { name: tier.name, priority: tier.priority, weight: tier.weight, maxWaitMs: tier.maxWaitMs },
      cache: {
        enabled: config.cache.enabled,
        bypass: request.cache?.bypass ?? false,
        inFlightWaitMs: durationMs(config.cache.inFlightWait),
      },
      modelQueues: chain.map((target) => modelQueueName(config.taskQueue, target.provider, target.model)),
    };
  } catch (err) {
    throw toActivityFailure(err);
  }
}

/** A chain may only name models this deployment has workers and credentials for. */
function checkChain(config: AppConfig, chain: ModelTarget[]): void {
  chain.forEach((target, index) => {
    if (!config.providers[target.provider]?.models.includes(target.model)) {
      throw new ProductError('REQUEST_INVALID', { field: `chain.${index}`,
        reason: `no configured model ${target.provider}/${target.model}` });
    }
  });
}

/** Callers that skip the client (the Temporal UI, the CLI, another SDK) reach the workflow unchecked. */
function checkRequest(request: unknown): void {
  const parsed = generationRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new ProductError('REQUEST_INVALID', firstProblem(parsed.error.issues, '(request)'));
  }
}

/** Product errors keep their catalogue code as the failure type; only unexpected errors are retried. */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ProductError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: true,
      details: [{ field: err.field }],
    });
  }

  return err;
}
