import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { resolveTier } from '../common/tiers';
import { countPromptTokens, countTokens } from '../common/tokens';
import type { ModelAnswer, ModelCallInput } from '../workflows/contract';
import { classifyProviderError } from './classify-failure';
import type { ProviderClient } from './providers';
import type { CircuitBreaker } from './circuit-breaker';
import { acquireQuota } from './quota/acquire';
import type { CacheStore } from './cache/types';
import { resolveMessages, textOrRef } from './payloads';
import { requestAnswer, type ProviderAnswer } from './provider-answer';
import { msToNumber } from '@temporalio/common/lib/time';
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

/** For calls scheduled by runs whose plan predates the setting. */
const defaultStreamIdleTimeout = '30 seconds';

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
  // the quota steps, and the worker must still be seen alive meanwhile. The details show a streamed answer's
  // progress in the Temporal UI (pending activity, last heartbeat).
  const context = Context.current();
  const progress: CallProgress = { receivedChars: 0 };
  // Three heartbeats per heartbeat timeout at least, so a short configured timeout is never missed.
  const everyMs = Math.max(100, Math.min(heartbeatEveryMs, (context.info.heartbeatTimeoutMs ?? Infinity) / 3));
  const heartbeat = setInterval(() => context.heartbeat(progress), everyMs);
  try {
    return await callWithinQuota(deps, input, context, progress);
  } finally {
    clearInterval(heartbeat);
  }
}

interface CallProgress {
  receivedChars: number;
}

async function callWithinQuota(deps: ModelCallDeps, input: ModelCallInput, context: Context,
  progress: CallProgress): Promise<ModelAnswer> {
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
    // A retry waits from its own scheduling, not from the first attempt's: earlier attempts are not queue time.
    queuedAtMs: info.attempt > 1 ? info.currentAttemptScheduledTimestampMs : input.queuedAtMs,
    maxWaitMs: input.maxWaitMs,
  });

  const started = Date.now();
  let answer: ProviderAnswer;
  try {
    answer = await requestAnswer(provider.client, {
      model,
      messages,
      temperature: input.temperature,
      max_tokens: input.maxOutputTokens,
      response_format: {
        type: 'json_schema',
        json_schema: { name: input.schemaName, schema: input.outputJsonSchema, strict: true },
      },
    }, {
      stream: provider.stream,
      idleTimeoutMs: msToNumber(input.streamIdleTimeout ?? defaultStreamIdleTimeout),
      signal: context.cancellationSignal,
      onProgress: (receivedChars) => { progress.receivedChars = receivedChars; },
      where: bucket,
    });
  } catch (err) {
    if (context.cancellationSignal.aborted) {
      // Our side ended the call (the request's deadline, a cancelled run, a worker shutting down): the provider
      // did nothing wrong, so the circuit is left alone.
      await deps.quotas.release(reservationId, Date.now());
      throw cancellationOf(context);
    }
    const failure = err instanceof ApplicationFailure ? err : classifyProviderError(err, providerName, model);
    // The text that arrived is not kept, so its tokens are estimated at about four characters each.
    const partialOutputTokens = Math.ceil(progress.receivedChars / 4);
    await settleFailedCall(deps, reservationId, partialOutputTokens === 0 ? undefined : {
      tokens: promptTokens + partialOutputTokens,
      costMicroUsd: Math.round(promptTokens * inputPrice + partialOutputTokens * outputPrice),
    });
    log.warn({ err, code: failure.type, nonRetryable: failure.nonRetryable, receivedChars: progress.receivedChars },
      'model call failed');
    if (countsAgainstCircuit.has(failure.type ?? '')) {
      await deps.circuit.recordFailure(bucket, reservationId, Date.now());
    }
    reportRejectedCredentials(deps, providerName, err, log);
    throw beyondDeadline(failure, input.deadlineAtMs, bucket) ?? failure;
  }

  // Some providers ignore include_usage on streams; the answer's tokens are then counted here, so quotas and
  // budgets still see them.
  const usage = { inputTokens: answer.usage?.prompt_tokens ?? promptTokens,
    outputTokens: answer.usage?.completion_tokens ?? countTokens(answer.text) };
  const costMicroUsd = Math.round(usage.inputTokens * inputPrice + usage.outputTokens * outputPrice);
  await deps.circuit.recordSuccess(bucket, reservationId, Date.now());
  await deps.quotas.settle(reservationId, { tokens: usage.inputTokens + usage.outputTokens, costMicroUsd },
    Date.now());
  log.info({ finishReason: answer.finishReason, usage, quotaWaitMs, latencyMs: Date.now() - started,
    streamed: provider.stream }, 'model answered');

  // An answer cut at the output limit is incomplete however good it looks: never a success.
  if (answer.finishReason === 'length') {
    throw ApplicationFailure.create({ type: 'OUTPUT_TRUNCATED', message: bucket });
  }
  if (answer.finishReason === 'content_filter') {
    throw ApplicationFailure.create({ type: 'CONTENT_FILTERED', message: `${bucket}: answer filtered`,
      nonRetryable: true });
  }

  return {
    provider: providerName,
    model,
    ...(await textOrRef(deps.payloads, answer.text, deps.config.store.payloadThresholdBytes)),
    finishReason: answer.finishReason,
    usage,
    simulated: answer.systemFingerprint === simulatorFingerprint,
    latencyMs: Date.now() - started,
    quotaWaitMs,
    costMicroUsd,
  };
}

function cancellationOf(context: Context): CancelledFailure {
  const reason: unknown = context.cancellationSignal.reason;
  // The SDK aborts with a CancelledFailure that names the reason; throwing it reports the call as cancelled.
  return reason instanceof CancelledFailure ? reason : new CancelledFailure('CANCELLED');
}

/** Failures that say the provider model is unwell, as opposed to the request being wrong. */
const countsAgainstCircuit = new Set(['PROVIDER_UNAVAILABLE', 'STREAM_STALLED', 'STREAM_INTERRUPTED']);

/**
 * A failed call frees its reservation; a stream that broke part way still cost the tokens it produced, so
 * those are settled instead of forgotten.
 */
async function settleFailedCall(deps: ModelCallDeps, reservationId: string,
  partial?: { tokens: number; costMicroUsd: number }): Promise<void> {
  if (partial) {
    await deps.quotas.settle(reservationId, partial, Date.now());
  } else {
    await deps.quotas.release(reservationId, Date.now());
  }
}

/**
 * A provider may ask for a wait that ends after the request's deadline; waiting would only end in a timeout,
 * so the chain moves on at once instead.
 */
function beyondDeadline(failure: ApplicationFailure, deadlineAtMs: number | undefined, bucket: string):
  ApplicationFailure | undefined {
  const delay = failure.nextRetryDelay;
  if (failure.nonRetryable || delay === undefined || delay === null || deadlineAtMs === undefined) {
    return undefined;
  }

  const delayMs = msToNumber(delay);
  if (Date.now() + delayMs < deadlineAtMs) {
    return undefined;
  }

  return ApplicationFailure.create({ type: 'RETRY_AFTER_PAST_DEADLINE', nonRetryable: true, cause: failure,
    message: `${bucket}: asked to wait ${Math.round(delayMs / 1000)} s, past the request's deadline` });
}
