/** Token counts with the o200k encoding used by current OpenAI chat models; shared with the product. */

import { decode, encode } from 'gpt-tokenizer';
import { asPlainText } from '../common/tokens';

export { countPromptTokens, countTokens } from '../common/tokens';

/** The longest prefix of `text` within `limit` tokens, as a model stopping at its output limit would leave it. */
export function cutToTokens(text: string, limit: number): { text: string; tokens: number } {
  const tokens = encode(text, asPlainText);
  if (tokens.length <= limit) {
    return { text, tokens: tokens.length };
  }

  const kept = tokens.slice(0, Math.max(limit, 0));
  return { text: decode(kept), tokens: kept.length };
}
