/** The answer to an admitted `stream: true` request: the chunks of the completion, ended as its fault asks. */

import type { FastifyReply } from 'fastify';
import { chunksOf, type ChatCompletionChunk } from './chunks';
import type { ChatCompletion } from './completion';
import { sendEventStream, type EventStreamPlan } from './event-stream';
import { defaultSlowDelayMs, type FaultRule } from './faults';
import type { ChatRequest } from './request';
import { outcomeOf, type StatsRecorder } from './stats';

export interface StreamedAnswerDeps {
  stats: StatsRecorder;
  /** Aborted when the simulator closes, so paced and stalled streams stop at once. */
  lifetime: AbortSignal;
}

/** Resolves once the stream is over, so the caller holds the request's concurrency slot until then. */
export async function answerStreamed(reply: FastifyReply, body: ChatRequest, fault: FaultRule | undefined,
  completion: ChatCompletion, deps: StreamedAnswerDeps): Promise<FastifyReply> {
  const broken = fault?.kind === 'stall' || fault?.kind === 'stream_cut';
  const usage = { prompt: completion.usage.prompt_tokens, completion: completion.usage.completion_tokens };
  // A broken stream never reaches its usage chunk, so its tokens are not counted as reported.
  deps.stats.record(body.model, outcomeOf(fault?.kind, completion.choices[0]?.finish_reason),
    broken ? undefined : usage);
  deps.stats.recordStreamed();

  reply.header('x-request-id', `req_${completion.id}`);
  await sendEventStream(reply, streamPlan(completion, body, fault), deps.lifetime);
  return reply;
}

/**
 * Every chunk and `[DONE]`, spread over the delay of a slow fault. A stall or a cut sends the opening and about
 * half of the content, then stops: the client never sees a finish reason.
 */
function streamPlan(completion: ChatCompletion, body: ChatRequest, fault: FaultRule | undefined): EventStreamPlan {
  const chunks = chunksOf(completion, body.stream_options?.include_usage === true);
  const serialised = (list: ChatCompletionChunk[]): string[] => list.map((chunk) => JSON.stringify(chunk));

  if (fault?.kind === 'stall' || fault?.kind === 'stream_cut') {
    const firstHalf = chunks.content.slice(0, Math.floor(chunks.content.length / 2));
    return {
      events: serialised([...chunks.opening, ...firstHalf]),
      ending: fault.kind === 'stall' ? 'stall' : 'cut',
      spreadMs: 0,
    };
  }

  return {
    events: [...serialised([...chunks.opening, ...chunks.content, ...chunks.closing]), '[DONE]'],
    ending: 'done',
    spreadMs: fault?.kind === 'slow' ? fault.delayMs ?? defaultSlowDelayMs : 0,
  };
}
