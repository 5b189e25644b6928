/** What a request takes from a token quota, counted at admission the way the provider counts it. */

import { buildCompletion, type ChatCompletion } from './completion';
import type { FaultKind } from './faults';
import { flattenMessage, tokenLimitOf, type ChatRequest } from './request';
import { countPromptTokens } from './tokens';

export interface AdmissionCost {
  tokens: number;
  /** Built when the cost depended on it, so the answer is not generated twice. */
  completion?: ChatCompletion;
}

/**
 * The prompt tokens plus the output allowance (`max_completion_tokens` or `max_tokens`, for each of the `n`
 * choices). Without an allowance the provider reserves what the answer will take; the simulator knows that
 * exactly, because the answer is already determined by the request.
 */
export function admissionCost(request: ChatRequest, fault?: FaultKind): AdmissionCost {
  const allowance = tokenLimitOf(request);
  if (allowance === undefined) {
    const completion = buildCompletion(request, fault);
    return { tokens: completion.usage.total_tokens, completion };
  }

  const promptTokens = countPromptTokens(request.messages.map(flattenMessage));
  return { tokens: promptTokens + allowance * (request.n ?? 1) };
}
