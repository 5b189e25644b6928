/** Failures the simulator can be told to produce, so retries, timeouts and fallbacks can be tested for real. */

import { z } from 'zod';

export const faultKinds = [
  'rate_limit', 'server_error', 'unavailable', 'slow', 'timeout', 'truncate', 'invalid_json', 'unauthorized',
  'context_length', 'content_filter', 'stall', 'stream_cut', 'content_filter_output',
] as const;

export type FaultKind = (typeof faultKinds)[number];

export const defaultSlowDelayMs = 1_000;

export interface FaultRule {
  kind: FaultKind;
  /** Only requests for this model; every model when absent. */
  model?: string;
  /** Applies to the next N matching requests, then the rule is spent; unlimited when absent. */
  times?: number;
  /** rate_limit and unavailable: sent as Retry-After (seconds, rounded up) and retry-after-ms. */
  retryAfterSeconds?: number;
  /**
   * rate_limit: `reset-headers` names the wait the way OpenAI's quota headers do (remaining 0 and
   * x-ratelimit-reset-requests: "6m0s") instead of Retry-After.
   */
  waitHint?: 'retry-after' | 'reset-headers';
  /** slow: how long to wait before answering normally, or, for a stream, how long the chunks take to arrive. */
  delayMs?: number;
}

/** Strict, so a misspelt option (`time` for `times`) is an error instead of a rule that silently differs. */
export const faultRuleSchema = z.strictObject({
  kind: z.enum(faultKinds),
  model: z.string().min(1).optional(),
  times: z.number().int().positive().optional(),
  retryAfterSeconds: z.number().nonnegative().max(86_400).optional(),
  waitHint: z.enum(['retry-after', 'reset-headers']).optional(),
  delayMs: z.number().int().nonnegative().max(600_000).optional(),
});

export const faultRulesBodySchema = z.strictObject({ rules: z.array(faultRuleSchema).max(100) });

export class InvalidFaultRulesError extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super(`invalid fault rules: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidFaultRulesError';
  }
}

/** The active rules. Matched in order; the first matching rule that is not spent applies. */
export class FaultController {
  private rules: FaultRule[] = [];

  /** Replaces every rule; throws InvalidFaultRulesError and keeps the old rules when one is invalid. */
  set(rules: readonly FaultRule[]): void {
    const parsed = z.array(faultRuleSchema).safeParse(rules);
    if (!parsed.success) {
      throw new InvalidFaultRulesError(parsed.error.issues);
    }

    this.rules = parsed.data.map((rule) => ({ ...rule }));
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules still active; `times` shows how many uses each has left. */
  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** The fault for a request to `model`, if any; counts the use and drops the rule once it is spent. */
  take(model: string): FaultRule | undefined {
    const index = this.rules.findIndex((rule) => rule.model === undefined || rule.model === model);
    const rule = this.rules[index];
    if (!rule) {
      return undefined;
    }

    if (rule.times !== undefined) {
      const left = rule.times - 1;
      this.rules = left > 0
        ? this.rules.map((item, at) => (at === index ? { ...rule, times: left } : item))
        : this.rules.filter((_, at) => at !== index);
    }

    return { ...rule };
  }
}
