/**
 * Hard provider quotas, like a real account's: requests and tokens per sliding window, and requests in flight,
 * for one model or for all. Benchmarks use them to drive the product into overload and count its 429s.
 */

import { z } from 'zod';
import {
  concurrencyRefusal, defaultWindowMs, quotaOf, usesWindow, windowRefusals, type ActiveLimit, type Candidate,
  type LimitRule, type QuotaState, type Refusal,
} from './quota';
import { SlidingWindow } from './window';

export { limitReasons, type LimitReason, type LimitRule, type QuotaState, type Refusal } from './quota';

const quotaLimit = z.number().int().positive();

/** Strict, so a misspelt limit (`rpm`) is an error instead of a rule that limits nothing. */
export const limitRuleSchema = z.strictObject({
  model: z.string().min(1).optional(),
  requestsPerMinute: quotaLimit.optional(),
  tokensPerMinute: quotaLimit.optional(),
  maxConcurrent: quotaLimit.optional(),
  windowMs: z.number().int().positive().max(86_400_000).optional(),
}).refine((rule) => usesWindow(rule) || rule.maxConcurrent !== undefined,
  'a limit rule needs requestsPerMinute, tokensPerMinute or maxConcurrent');

export const limitRulesBodySchema = z.strictObject({ rules: z.array(limitRuleSchema).max(100) });

export class InvalidLimitRulesError extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super(`invalid limit rules: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidLimitRulesError';
  }
}

/** Validates rules from a caller that may not be typed: an environment variable or an untyped options object. */
export function parseLimitRules(rules: unknown): LimitRule[] {
  const parsed = z.array(limitRuleSchema).safeParse(rules);
  if (!parsed.success) {
    throw new InvalidLimitRulesError(parsed.error.issues);
  }

  return parsed.data;
}

export type Admission =
  | { admitted: true; quota: QuotaState; release: () => void }
  | { admitted: false; quota: QuotaState; refusal: Refusal };

/** The part of the controller that callers of the simulator may use. */
export type LimitSettings = Pick<LimitController, 'set' | 'clear' | 'list'>;

export class LimitController {
  private active: ActiveLimit[] = [];
  // Counted for every request that reaches the limits, so a rule set mid-run sees the requests already running.
  private inFlightTotal = 0;
  private readonly inFlightByModel = new Map<string, number>();

  constructor(private readonly clock: () => number = () => Date.now()) {}

  /** Replaces every rule with fresh, empty windows; throws InvalidLimitRulesError and keeps the old rules. */
  set(rules: readonly LimitRule[]): void {
    this.active = parseLimitRules(rules).map((rule) => ({
      rule: { ...rule },
      window: new SlidingWindow(rule.windowMs ?? defaultWindowMs),
    }));
  }

  clear(): void {
    this.active = [];
  }

  list(): LimitRule[] {
    return this.active.map(({ rule }) => ({ ...rule }));
  }

  /** Whether any rule covers `model`, so callers only count a request's tokens when they matter. */
  appliesTo(model: string): boolean {
    return this.active.some(({ rule }) => covers(rule, model));
  }

  /**
   * Admits a request costing `tokens`, or refuses it without using any quota. An admitted request holds a
   * concurrency slot until `release` is called.
   */
  admit(model: string, tokens: number): Admission {
    const now = this.clock();
    const limits = this.active.filter(({ rule }) => covers(rule, model));
    const candidate: Candidate = { model, tokens, now, inFlight: (rule) => this.inFlight(rule, model) };

    const refusal = firstRefusal(limits, candidate);
    if (refusal) {
      return { admitted: false, quota: quotaOf(limits, now), refusal };
    }

    for (const { rule, window } of limits) {
      if (usesWindow(rule)) {
        window.add(now, tokens);
      }
    }
    this.enter(model);

    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        this.leave(model);
      }
    };
    return { admitted: true, quota: quotaOf(limits, now), release };
  }

  private inFlight(rule: LimitRule, model: string): number {
    return rule.model === undefined ? this.inFlightTotal : this.inFlightByModel.get(model) ?? 0;
  }

  private enter(model: string): void {
    this.inFlightTotal += 1;
    this.inFlightByModel.set(model, (this.inFlightByModel.get(model) ?? 0) + 1);
  }

  private leave(model: string): void {
    this.inFlightTotal -= 1;
    const left = (this.inFlightByModel.get(model) ?? 1) - 1;
    if (left > 0) {
      this.inFlightByModel.set(model, left);
    } else {
      this.inFlightByModel.delete(model);
    }
  }
}

function covers(rule: LimitRule, model: string): boolean {
  return rule.model === undefined || rule.model === model;
}

/**
 * The refusal to report when several limits are exceeded. A request too large for a token limit can never
 * pass, so that comes first; then the longest wait, so a retry after it finds room in every window; and
 * concurrency last, since it promises no wait.
 */
function firstRefusal(limits: readonly ActiveLimit[], candidate: Candidate): Refusal | undefined {
  const windowed = limits.flatMap((limit) => windowRefusals(limit, candidate));
  const hopeless = windowed.find((refusal) => refusal.retryAfterMs === undefined);
  if (hopeless) {
    return hopeless;
  }

  const longest = windowed.reduce<Refusal | undefined>((best, refusal) =>
    (best === undefined || (refusal.retryAfterMs ?? 0) > (best.retryAfterMs ?? 0) ? refusal : best), undefined);
  if (longest) {
    return longest;
  }

  return limits.map((limit) => concurrencyRefusal(limit, candidate)).find((refusal) => refusal !== undefined);
}
