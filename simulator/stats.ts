/** Counters for chat completion requests, read by tests and benchmarks through /_sim/stats. */

import type { FinishReason } from './completion';
import type { FaultKind } from './faults';
import type { LimitReason } from './limits';

/**
 * How a request ended: `ok` (answered in full), `length` (cut at the request's token limit),
 * `bad_request` (rejected with 400), `limited` (429 from a limit rule), or the kind of fault that was injected,
 * streamed or not.
 */
export type Outcome = 'ok' | 'length' | 'bad_request' | 'limited' | FaultKind;

/** The outcome of a request that got an answer, whole or in part: its fault, else how the answer finished. */
export function outcomeOf(fault: FaultKind | undefined, finish: FinishReason | undefined): Outcome {
  if (fault) {
    return fault;
  }

  return finish === 'length' ? 'length' : 'ok';
}

export interface SimulatorStats {
  requests: number;
  byModel: Record<string, number>;
  byOutcome: Partial<Record<Outcome, number>>;
  /** Tokens reported in the usage of answered requests. */
  promptTokens: number;
  completionTokens: number;
  /** The `limited` requests by the limit they exceeded; injected rate_limit faults are not among them. */
  limitedByReason: Record<LimitReason, number>;
  /** Requests answered as a stream (`stream: true`), whatever their outcome. */
  streamed: number;
}

export class StatsRecorder {
  private requests = 0;
  private promptTokens = 0;
  private completionTokens = 0;
  private streamed = 0;
  // Maps, because model names come from clients and must not collide with object built-ins.
  private readonly byModel = new Map<string, number>();
  private readonly byOutcome = new Map<Outcome, number>();
  private readonly limitedByReason: Record<LimitReason, number> = { requests: 0, tokens: 0, concurrency: 0 };

  /** `model` is undefined when the body was too broken to name one. */
  record(model: string | undefined, outcome: Outcome, usage?: { prompt: number; completion: number }): void {
    this.requests += 1;
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);

    if (model !== undefined) {
      this.byModel.set(model, (this.byModel.get(model) ?? 0) + 1);
    }

    if (usage) {
      this.promptTokens += usage.prompt;
      this.completionTokens += usage.completion;
    }
  }

  /** A request refused by a limit rule. */
  recordLimited(model: string, reason: LimitReason): void {
    this.record(model, 'limited');
    this.limitedByReason[reason] += 1;
  }

  /** A request answered as a stream; counted beside its outcome, which record() keeps. */
  recordStreamed(): void {
    this.streamed += 1;
  }

  /** A copy, so callers can keep it and compare it with a later one. */
  snapshot(): SimulatorStats {
    return {
      requests: this.requests,
      byModel: Object.fromEntries(this.byModel),
      byOutcome: Object.fromEntries(this.byOutcome),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      limitedByReason: { ...this.limitedByReason },
      streamed: this.streamed,
    };
  }

  /** The models requests have named so far, in first-seen order. */
  models(): string[] {
    return [...this.byModel.keys()];
  }
}
