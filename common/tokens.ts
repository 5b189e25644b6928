import { encode } from 'gpt-tokenizer';

/** Special-token text in user input is plain text to a chat model; the tokenizer must not reject it. */
export const asPlainText = { disallowedSpecial: new Set<string>() };

/** Each message costs its text plus start, role separator and end markers; the reply is primed with three more. */
const perMessageTokens = 3;
const perNameTokens = 1;
const replyPrimingTokens = 3;

export function countTokens(text: string): number {
  return encode(text, asPlainText).length;
}

/**
 * Prompt tokens of a chat request counted with the o200k encoding, as OpenAI's current models count them. The
 * product estimates with it and the simulator reports usage with it, so both always agree.
 */
export function countPromptTokens(
  messages: ReadonlyArray<{ role: string; content: string; name?: string }>,
): number {
  let total = replyPrimingTokens;
  for (const message of messages) {
    total += perMessageTokens + countTokens(message.role) + countTokens(message.content);
    if (message.name !== undefined) {
      total += perNameTokens + countTokens(message.name);
    }
  }

  return total;
}
