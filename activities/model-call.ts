import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { resolveTier } from '../common/tiers';
import { countPromptTokens } from '../common/tokens';
import type { ModelAnswer, ModelCallInput } from '../workflows/contract';
import { classifyProviderError } from './classify-failure';
import type { ProviderClient } from './providers';
import type { CircuitBreaker } from './circuit-breaker';
import { acquireQuota } from './quota/acquire';
import type { CacheStore } from './cache/types';
import { resolveMessages } from './payloads';
import type { QuotaStore } from './quota/types';

/** Providers whose credentials were refused, so the error is logged loudly once per process, not per call. */
const refusedProviders = new Set<string>();

function reportRejectedCredentials(deps: ModelCallDeps, providerName: string, err: unknown, log: Logger): void {
  const status = (err as { status?: unknown }).status;
  if ((status === 401 || status === 403) && !refusedProviders.has(providerName)) {
    refusedProviders.add(providerName);
    const keyVariable = deps.config.providers[providerName]?.apiKeyEnv ?? '(no key configured)';
    log.error({ provider: providerName, status, keyVariable },
      'provider refused our credentials; calls to it fall through to the next chain entry until the key is fixed');
  }
}

/** The simulator marks its answers this way; real providers never send it. */
const simulatorFingerprint = 'simulator';

const heartbeatEveryMs = 2_000;

export interface ModelCallDeps {
  config: AppConfig;
  providers: Map<string, ProviderClient>;
  quotas: QuotaStore;
  payloads: CacheStore;
  circuit: CircuitBreaker;
  logger: Logger;
}

/**
 * Calls one model once, inside its quota. Heartbeats while waiting so that a dead worker is noticed within the
 * heartbeat timeout and the call is retried elsewhere, and passes Temporal's cancellation on to the request.
 */
export async function callModelOnce(deps: ModelCallDeps, input: ModelCallInput): Promise<ModelAnswer> {
  // Heartbeat from the start, not only during the HTTP call: a shared store that is briefly unreachable delays
  // the quota steps, and the worker must still be seen alive meanwhile.
  const context = Context.current();
  const heartbeat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
  try {
    return await callWithinQuota(deps, input, context);
  } finally {
    clearInterval(heartbeat);
  }
}

async function callWithinQuota(deps: ModelCallDeps, input: ModelCallInput, context: Context):
  Promise<ModelAnswer> {
  const { provider: providerName, model } = input.target;
  const provider = deps.providers.get(providerName);
  if (!provider) {
    throw ApplicationFailure.create({ type: 'PROVIDER_NOT_CONFIGURED', message: providerName, nonRetryable: true });
  }

  const { info } = context;
  const bucket = `${providerName}/${model}`;
  const quota = deps.config.quotas.models[bucket];
  const log = deps.logger.child({ provider: providerName, model, attempt: info.attempt, tenant: input.tenant,
    workflowId: info.workflowExecution?.workflowId });

  const messages = await resolveMessages(deps.payloads, input.messages);
  const promptTokens = countPromptTokens(messages);
  if (quota?.contextWindow !== undefined && promptTokens + input.maxOutputTokens > quota.contextWindow) {
    // Known too long before any call: the next model in the chain gets it, and this one is never retried.
    throw ApplicationFailure.create({ type: 'CONTEXT_TOO_LONG', nonRetryable: true,
      message: `${bucket}: ${promptTokens} prompt and ${input.maxOutputTokens} output tokens exceed ` +
        `its context window of ${quota.contextWindow}` });
  }

  const inputPrice = quota?.inputPricePerMillion ?? 0;
  const outputPrice = quota?.outputPricePerMillion ?? 0;
  const reservationBase = `${info.workflowExecution?.workflowId}/${info.activityId}`;
  const reservationId = `${reservationBase}/${info.attempt}`;
  // An earlier attempt of this call that died (a killed worker) still holds its concurrency slot; attempts run
  // one after another, so it is certainly over and its slot can be freed now rather than at its lease's end.
  if (info.attempt > 1) {
    await deps.quotas.release(`${reservationBase}/${info.attempt - 1}`, Date.now());
  }

  const circuit = await deps.circuit.check(bucket, reservationId, Date.now());
  if (circuit === 'open') {
    throw ApplicationFailure.create({ type: 'CIRCUIT_OPEN', nonRetryable: true,
      message: `${bucket} keeps failing; skipped until its cool-down ends` });
  }
  if (circuit === 'probe') {
    log.info({ bucket }, 'probing a provider model whose circuit was open');
  }

  const quotaWaitMs = await acquireQuota(deps.quotas, {
    id: reservationId,
    bucket,
    tenant: input.tenant,
    limits: quota ?? {},
    budget: resolveTier(deps.config, input.tenant).budget,
    tokens: promptTokens + input.maxOutputTokens,
    estimatedCostMicroUsd: Math.round(promptTokens * inputPrice + input.maxOutputTokens * outputPrice),
    leaseMs: info.startToCloseTimeoutMs,
    queuedAtMs: input.queuedAtMs,
    maxWaitMs: input.maxWaitMs,
  });

  const started = Date.now();
  try {
    const completion = await provider.client.chat.completions.create(
      {
        model,
        messages,
        temperature: input.temperature,
        max_tokens: input.maxOutputTokens,
        response_format: {
          type: 'json_schema',
          json_schema: { name: input.schemaName, schema: input.outputJsonSchema, strict: true },
        },
      },
      { signal: context.cancellationSignal },
    );

    const choice = completion.choices[0];
    const finishReason = choice?.finish_reason ?? 'unknown';
    const usage = { inputTokens: completion.usage?.prompt_tokens ?? promptTokens,
      outputTokens: completion.usage?.completion_tokens ?? 0 };
    const costMicroUsd = Math.round(usage.inputTokens * inputPrice + usage.outputTokens * outputPrice);
    await deps.circuit.recordSuccess(bucket, reservationId, Date.now());
    await deps.quotas.settle(reservationId,
      { tokens: usage.inputTokens + usage.outputTokens, costMicroUsd }, Date.now());
    log.info({ finishReason, usage, quotaWaitMs, latencyMs: Date.now() - started }, 'model answered');

    // An answer cut at the output limit is incomplete however good it looks: never a success.
    if (finishReason === 'length') {
      throw ApplicationFailure.create({ type: 'OUTPUT_TRUNCATED', message: bucket });
    }
    if (finishReason === 'content_filter') {
      throw ApplicationFailure.create({ type: 'CONTENT_FILTERED', message: `${bucket}: answer filtered`,
        nonRetryable: true });
    }

    return {
      provider: providerName,
      model,
      text: choice?.message.content ?? '',
      finishReason,
      usage,
      simulated: completion.system_fingerprint === simulatorFingerprint,
      latencyMs: Date.now() - started,
      quotaWaitMs,
      costMicroUsd,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure) {
      throw err;
    }
    await deps.quotas.release(reservationId, Date.now());
    const failure = classifyProviderError(err, providerName, model);
    log.warn({ err, code: failure.type, nonRetryable: failure.nonRetryable }, 'model call failed');
    if (failure.type === 'PROVIDER_UNAVAILABLE') {
      await deps.circuit.recordFailure(bucket, reservationId, Date.now());
    }
    reportRejectedCredentials(deps, providerName, err, log);
    throw failure;
  }
}
