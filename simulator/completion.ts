/** Builds the chat.completion object: generated content, token limits, usage, and content-level faults. */

import { generateContent } from './content';
import type { FaultKind } from './faults';
import { flattenMessage, tokenLimitOf, type ChatRequest } from './request';
import { countPromptTokens, countTokens, cutToTokens } from './tokens';
import { hashText, simulatedMarker } from './text';

export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: 'simulator';
  service_tier: 'default';
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string; refusal: null; annotations: [] };
    logprobs: null;
    finish_reason: FinishReason;
  }>;
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
    completion_tokens_details: { reasoning_tokens: number };
  };
}

let sequence = 0;

/** `fault` shapes the content when it is one that still answers 200: truncate, invalid_json, content_filter_output. */
export function buildCompletion(request: ChatRequest, fault?: FaultKind): ChatCompletion {
  const messages = request.messages.map(flattenMessage);
  const promptTokens = countPromptTokens(messages);
  const full = generateContent(messages, request.response_format);

  const halve = fault === 'truncate' || fault === 'content_filter_output';
  const limited = limitAnswer(full, tokenLimitOf(request), halve);
  // The provider's output filter stops the generation where it strikes, so the cut answer ends for that reason.
  const answer = fault === 'content_filter_output' ? { ...limited, finishReason: 'content_filter' as const } : limited;
  const content = fault === 'invalid_json' ? malformed(answer.text) : answer.text;
  const completionTokens = fault === 'invalid_json' ? countTokens(content) : answer.tokens;
  const choiceCount = request.n ?? 1;

  sequence += 1;
  return {
    id: `chatcmpl-sim${sequence.toString(36)}${hashText(full).toString(36)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    system_fingerprint: 'simulator',
    service_tier: 'default',
    choices: Array.from({ length: choiceCount }, (_, index) => ({
      index,
      message: { role: 'assistant' as const, content, refusal: null, annotations: [] as [] },
      logprobs: null,
      finish_reason: answer.finishReason,
    })),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens * choiceCount,
      total_tokens: promptTokens + completionTokens * choiceCount,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

interface LimitedAnswer {
  text: string;
  tokens: number;
  finishReason: FinishReason;
}

/**
 * Cuts the answer at the request's output limit, like a model that runs out of tokens. The truncate and
 * content_filter_output faults cut it at about half of what it would have been, so even a generous limit
 * produces a cut answer.
 */
function limitAnswer(full: string, limit: number | undefined, halve: boolean): LimitedAnswer {
  const fullTokens = countTokens(full);
  const allowed = Math.min(fullTokens, limit ?? fullTokens);
  const target = halve ? Math.max(1, Math.floor(allowed / 2)) : allowed;

  if (target >= fullTokens && !halve) {
    return { text: full, tokens: fullTokens, finishReason: 'stop' };
  }

  // A truncated answer always reports 'length', even in the odd case where halving cut nothing.
  const cut = cutToTokens(full, target);
  return { text: cut.text, tokens: cut.tokens, finishReason: 'length' };
}

/** Drops the closing character and appends a note, which no JSON value survives. */
function malformed(text: string): string {
  return `${text.slice(0, -1)} ${simulatedMarker} malformed output`;
}
