/** Token counts with the o200k encoding used by current OpenAI chat models. */

import { decode, encode } from 'gpt-tokenizer';
import type { FlatMessage } from './request';

/** Special-token text in user input is plain text to a chat model; the tokenizer must not reject it. */
const asPlainText = { disallowedSpecial: new Set<string>() };

/** Each message costs its text plus start, role separator and end markers; the reply is primed with three more. */
const perMessageTokens = 3;
const perNameTokens = 1;
const replyPrimingTokens = 3;

export function countTokens(text: string): number {
  return encode(text, asPlainText).length;
}

export function countPromptTokens(messages: readonly FlatMessage[]): number {
  let total = replyPrimingTokens;

  for (const message of messages) {
    total += perMessageTokens + countTokens(message.role) + countTokens(message.content);
    if (message.name !== undefined) {
      total += perNameTokens + countTokens(message.name);
    }
  }

  return total;
}

/** The longest prefix of `text` within `limit` tokens, as a model stopping at its output limit would leave it. */
export function cutToTokens(text: string, limit: number): { text: string; tokens: number } {
  const tokens = encode(text, asPlainText);
  if (tokens.length <= limit) {
    return { text, tokens: tokens.length };
  }

  const kept = tokens.slice(0, Math.max(limit, 0));
  return { text: decode(kept), tokens: kept.length };
}
