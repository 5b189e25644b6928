/** The chat.completion.chunk objects of a streamed answer, cut from the completion an unstreamed request gets. */

import type { ChatCompletion, FinishReason } from './completion';

/** The same identity fields as the whole completion, so every chunk names the answer it belongs to. */
export interface ChatCompletionChunk
  extends Pick<ChatCompletion, 'id' | 'created' | 'model' | 'system_fingerprint' | 'service_tier'> {
  object: 'chat.completion.chunk';
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: null;
    finish_reason: FinishReason | null;
  }>;
  /** Present only when the request asked for usage: null on every chunk but the last, as the provider sends it. */
  usage?: ChatCompletion['usage'] | null;
}

/** A streamed answer in its three parts, so a fault can send the start and part of the content and stop there. */
export interface AnswerChunks {
  /** One chunk per choice that announces the assistant role with empty content. */
  opening: ChatCompletionChunk[];
  /** For each piece of the content, one chunk per choice. */
  content: ChatCompletionChunk[];
  /** One chunk per choice with the finish reason, then the usage chunk when the request asked for it. */
  closing: ChatCompletionChunk[];
}

const longestPiece = 20;

/** Splits a completion into the chunks that stream it. All of them carry the completion's id, time and model. */
export function chunksOf(completion: ChatCompletion, includeUsage: boolean): AnswerChunks {
  const chunk = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint,
    service_tier: completion.service_tier,
    choices,
    ...(includeUsage ? { usage: null } : {}),
  });

  const opening = completion.choices.map(({ index }) =>
    chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));

  // The provider streams the choices side by side: the first piece of each choice, then the second, and so on.
  const piecesByChoice = completion.choices.map(({ index, message }) =>
    ({ index, pieces: contentPieces(message.content) }));
  const rounds = Math.max(0, ...piecesByChoice.map(({ pieces }) => pieces.length));
  const content = Array.from({ length: rounds }, (_, round) => piecesByChoice.flatMap(({ index, pieces }) => {
    const piece = pieces[round];
    return piece === undefined ? []
      : [chunk([{ index, delta: { content: piece }, logprobs: null, finish_reason: null }])];
  })).flat();

  const finishes = completion.choices.map(({ index, finish_reason }) =>
    chunk([{ index, delta: {}, logprobs: null, finish_reason }]));
  const usage = includeUsage ? [{ ...chunk([]), usage: completion.usage }] : [];

  return { opening, content, closing: [...finishes, ...usage] };
}

/**
 * Pieces of at most 20 characters, and at least four for an answer of four characters or more, so that even a
 * short answer arrives as a stream. Pieces end on code points, never inside a surrogate pair.
 */
function contentPieces(content: string): string[] {
  const characters = Array.from(content);
  const size = Math.max(1, Math.min(longestPiece, Math.floor(characters.length / 4)));

  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size) {
    pieces.push(characters.slice(start, start + size).join(''));
  }
  return pieces;
}
