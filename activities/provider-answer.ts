import { ApplicationFailure } from '@temporalio/activity';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** One provider answer, the same whether it arrived whole or as a stream of chunks. */
export interface ProviderAnswer {
  text: string;
  finishReason: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  systemFingerprint?: string;
}

export interface AnswerOptions {
  stream: boolean;
  /** A stream that sends nothing for this long is aborted and reported as STREAM_STALLED. */
  idleTimeoutMs: number;
  /** Temporal's cancellation of the activity. */
  signal: AbortSignal;
  /** Called with the characters received so far, on every chunk. */
  onProgress: (receivedChars: number) => void;
  /** "provider/model", for the failure messages. */
  where: string;
}

export async function requestAnswer(client: OpenAI, body: ChatCompletionCreateParamsNonStreaming,
  options: AnswerOptions): Promise<ProviderAnswer> {
  if (!options.stream) {
    const completion = await client.chat.completions.create(body, { signal: options.signal });
    const choice = completion.choices[0];
    return { text: choice?.message.content ?? '', finishReason: choice?.finish_reason ?? 'unknown',
      usage: completion.usage, systemFingerprint: completion.system_fingerprint ?? undefined };
  }

  return streamAnswer(client, body, options);
}

/**
 * Reads a streamed answer chunk by chunk. A provider that stops sending without closing would otherwise hold
 * the call until startToCloseTimeout; the idle timer notices it within idleTimeoutMs and aborts the request.
 */
async function streamAnswer(client: OpenAI, body: ChatCompletionCreateParamsNonStreaming,
  options: AnswerOptions): Promise<ProviderAnswer> {
  const controller = new AbortController();
  const forwardCancel = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', forwardCancel, { once: true });

  let stalled = false;
  let idle: NodeJS.Timeout | undefined;

  const answer: ProviderAnswer = { text: '', finishReason: '' };
  let begun = false;
  try {
    // The provider's own timeout covers the wait for the response to begin; from there the idle timer rules.
    const stream = await client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal: controller.signal },
    );
    begun = true;
    idle = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, options.idleTimeoutMs);

    for await (const chunk of stream) {
      idle.refresh();
      const choice = chunk.choices[0];
      answer.text += choice?.delta?.content ?? '';
      answer.finishReason = choice?.finish_reason ?? answer.finishReason;
      answer.usage = chunk.usage ?? answer.usage;
      answer.systemFingerprint = chunk.system_fingerprint ?? answer.systemFingerprint;
      options.onProgress(answer.text.length);
    }
  } catch (err) {
    if (stalled) {
      throw stalledFailure(options, answer, err);
    }
    if (begun && !options.signal.aborted) {
      // The connection broke mid-answer (a reset, a proxy that gave up): what arrived is incomplete.
      throw ApplicationFailure.create({ type: 'STREAM_INTERRUPTED', cause: err instanceof Error ? err : undefined,
        message: `${options.where}: the stream broke after ${answer.text.length} characters: ` +
          `${(err as Error).message}` });
    }
    throw err;
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', forwardCancel);
  }

  // Aborting a stream can end the SDK's iteration without an error, so the reason is checked here as well.
  if (stalled) {
    throw stalledFailure(options, answer);
  }
  options.signal.throwIfAborted();

  // A stream that closes without saying why it ended was cut off: its text is incomplete, never an answer.
  if (!answer.finishReason) {
    throw ApplicationFailure.create({ type: 'STREAM_INTERRUPTED',
      message: `${options.where}: the stream closed after ${answer.text.length} characters without finishing` });
  }

  return answer;
}

function stalledFailure(options: AnswerOptions, answer: ProviderAnswer, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: 'STREAM_STALLED', cause: cause instanceof Error ? cause : undefined,
    message: `${options.where}: nothing received for ${options.idleTimeoutMs} ms after ` +
      `${answer.text.length} characters` });
}
