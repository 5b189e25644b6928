import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../common/logger';
import type { ModelAnswer, ModelCallInput } from '../workflows/contract';
import { classifyProviderError } from './classify-failure';
import type { ProviderClient } from './providers';

/** The simulator marks its answers this way; real providers never send it. */
const simulatorFingerprint = 'simulator';

const heartbeatEveryMs = 2_000;

/**
 * Calls one model once. Heartbeats while waiting so that a dead worker is noticed within the heartbeat
 * timeout and the call is retried elsewhere, and passes Temporal's cancellation on to the HTTP request.
 */
export async function callModelOnce(
  providers: Map<string, ProviderClient>,
  logger: Logger,
  input: ModelCallInput,
): Promise<ModelAnswer> {
  const { provider: providerName, model } = input.target;
  const provider = providers.get(providerName);
  if (!provider) {
    throw ApplicationFailure.create({ type: 'PROVIDER_NOT_CONFIGURED', message: providerName, nonRetryable: true });
  }

  const context = Context.current();
  const log = logger.child({ provider: providerName, model, attempt: context.info.attempt,
    workflowId: context.info.workflowExecution?.workflowId });
  const heartbeat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
  const started = Date.now();

  try {
    const completion = await provider.client.chat.completions.create(
      {
        model,
        messages: input.messages,
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
    const usage = { inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0 };
    log.info({ finishReason, usage, latencyMs: Date.now() - started }, 'model answered');

    // An answer cut at the output limit is incomplete however good it looks: never a success.
    if (finishReason === 'length') {
      throw ApplicationFailure.create({ type: 'OUTPUT_TRUNCATED', message: `${providerName}/${model}` });
    }

    return {
      provider: providerName,
      model,
      text: choice?.message.content ?? '',
      finishReason,
      usage,
      simulated: completion.system_fingerprint === simulatorFingerprint,
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure) {
      throw err;
    }
    const failure = classifyProviderError(err, providerName, model);
    log.warn({ err, code: failure.type, nonRetryable: failure.nonRetryable }, 'model call failed');
    throw failure;
  } finally {
    clearInterval(heartbeat);
  }
}
