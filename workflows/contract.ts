/**
 * The contract between backends, the API and the workflow: inputs, results, the review update and the
 * state query. Both `client/` and `workflows/` import it, so it holds definitions only, no I/O.
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type ReviewPolicy = 'always' | 'never' | 'when_flagged';
export type DeadlineOutcome = 'approve' | 'reject';
export type Stage = 'queued' | 'prompt' | 'model' | 'validation' | 'review' | 'done' | 'failed';
export type ReviewStatus = 'not_required' | 'pending' | 'approved' | 'rejected' | 'edited' | 'expired';
/** What a filtered request or answer leads to: the next chain entry, or a person who writes or rejects it. */
export type ContentFilterPolicy = 'fallback' | 'review';
/** Why a person was asked: the review policy, or a provider's content filter that left no answer. */
export type ReviewReason = 'policy' | 'content_filtered';

export interface ModelTarget {
  provider: string;
  model: string;
}

/** What a backend asks for: one generative request. */
export interface GenerationRequest {
  tenant: string;
  templateId: string;
  /** Pins a template version; the newest published one when absent. */
  templateVersion?: number;
  input: Record<string, unknown>;
  review?: {
    policy?: ReviewPolicy;
    /** How long to wait for a person, as words ("2 hours"). */
    deadline?: Duration;
    deadlineOutcome?: DeadlineOutcome;
    onContentFilter?: ContentFilterPolicy;
  };
  /**
   * How long the run may take to get a model's answer, counted from its start ("20 minutes"): waits a provider
   * asks for (Retry-After) and fallbacks all fit inside it. Review time is not counted.
   */
  deadline?: Duration;
  /** Replaces the configured provider chain for this request only. */
  chain?: ModelTarget[];
  /** `bypass` skips the cache lookup for this request; a valid answer still fills the cache. */
  cache?: { bypass?: boolean };
}

/** The tier a tenant is served at: queue priority, fairness weight, and how long it may wait for quota. */
export interface ServiceTier {
  name: string;
  priority: number;
  weight: number;
  maxWaitMs: number;
}

export type CacheOutcome = 'hit' | 'miss' | 'bypass' | 'off';

/** A large text kept in the shared store; only this reference enters workflow history. */
export interface PayloadRef {
  $payloadRef: string;
  bytes: number;
  /** `json` when the stored text is a JSON value (an output) rather than a plain text (an input). */
  format?: 'json';
}

export interface ChatMessage {
  role: 'system' | 'user';
  /** Empty when the content travels by reference. */
  content: string;
  contentRef?: PayloadRef;
}

export interface ModelCallPolicy {
  maximumAttempts: number;
  initialInterval: Duration;
  maximumInterval: Duration;
  heartbeatTimeout: Duration;
  startToCloseTimeout: Duration;
  /** A streamed answer that sends nothing for this long is cancelled as stalled; 30 s in older plans. */
  streamIdleTimeout?: Duration;
}

/** Everything the workflow needs after prompt building, resolved once and kept in history. */
export interface GenerationPlan {
  templateId: string;
  templateVersion: number;
  messages: ChatMessage[];
  input: unknown;
  outputJsonSchema: Record<string, unknown>;
  temperature: number;
  maxOutputTokens: number;
  chain: ModelTarget[];
  review: { policy: ReviewPolicy; deadline: Duration; deadlineOutcome: DeadlineOutcome;
    onContentFilter: ContentFilterPolicy; };
  callPolicy: ModelCallPolicy;
  /**
   * How long after the run's start the model phase must end; see GenerationRequest.deadline. Absent only in
   * plans recorded before deadlines existed.
   */
  deadline?: Duration;
  tenant: string;
  tier: ServiceTier;
  cache: { enabled: boolean; bypass: boolean; inFlightWaitMs: number };
  /** The task queue of each chain entry's model calls, in chain order. */
  modelQueues: string[];
}

export interface ModelCallInput {
  target: ModelTarget;
  tenant: string;
  /** Workflow time when this entry was first tried; quota waits are measured from it. */
  queuedAtMs: number;
  maxWaitMs: number;
  /** Epoch ms by which the request needs its answer: a Retry-After that ends later is not waited for. */
  deadlineAtMs?: number;
  streamIdleTimeout?: Duration;
  messages: ChatMessage[];
  outputJsonSchema: Record<string, unknown>;
  schemaName: string;
  temperature: number;
  maxOutputTokens: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelAnswer {
  provider: string;
  model: string;
  /** Empty when the text travels by reference. */
  text: string;
  textRef?: PayloadRef;
  finishReason: string;
  usage: TokenUsage;
  /** True when the answer came from the bundled provider simulator, not a real model. */
  simulated: boolean;
  latencyMs: number;
  /** Time spent waiting for quota (queue plus reservation) before the call was made. */
  quotaWaitMs: number;
  costMicroUsd: number;
}

export interface BudgetCheckInput {
  tenant: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  /** "provider/model" of the chain's first entry, whose price estimates the cost. */
  firstModel: string;
}

export interface CacheLookupInput {
  plan: Pick<GenerationPlan, 'tenant' | 'templateId' | 'templateVersion' | 'messages' | 'outputJsonSchema' |
    'temperature' | 'maxOutputTokens'>;
  target: ModelTarget;
  owner: string;
  waitMs: number;
}

export interface CacheLookupResult {
  key: string;
  hit?: ModelAnswer;
  /** True when this run owns the key: identical runs wait for its answer instead of calling the provider. */
  owner: boolean;
}

/** One try of one chain entry: an answer, or the failure that made the workflow move on. */
export interface ModelAttempt {
  provider: string;
  model: string;
  outcome: 'answered' | 'failed';
  errorCode?: string;
  message?: string;
}

export interface ValidationInput {
  templateId: string;
  templateVersion: number;
  input: unknown;
  /** Raw model text (inline or by reference), or an already-parsed value (an edit from a reviewer). */
  output: string | PayloadRef | { value: unknown };
}

export interface ValidationReport {
  valid: boolean;
  /** The parsed output when it is valid JSON, even if the schema rejects it; a JSON PayloadRef when large. */
  output: unknown;
  /** Why the schema rejected the output, as `path: message`. */
  issues: string[];
  /** What the template's checks found suspicious; flags send an output to review under `when_flagged`. */
  flags: string[];
}

export interface ReviewDecision {
  decision: 'approve' | 'reject' | 'edit';
  reviewer: string;
  comment?: string;
  /** The replacement output, for `edit` only. */
  output?: unknown;
}

export interface ReviewRecord {
  decision: 'approve' | 'reject' | 'edit';
  reviewer: string;
  comment?: string;
  decidedAt: string;
  /** `deadline` when no person decided in time and the policy's outcome was applied. */
  via: 'person' | 'deadline';
}

export interface GenerationState {
  stage: Stage;
  reviewStatus: ReviewStatus;
  templateId?: string;
  templateVersion?: number;
  attempts: ModelAttempt[];
  answer?: Omit<ModelAnswer, 'text'>;
  validation?: ValidationReport;
  review?: ReviewRecord;
  reviewReason?: ReviewReason;
  reviewDeadline?: string;
}

export type GenerationStatus = 'completed' | 'approved' | 'rejected' | 'invalid';

export interface GenerationResult {
  status: GenerationStatus;
  /**
   * The released output: the model's, or the reviewer's edit. Null when rejected or invalid. A large output
   * is a JSON PayloadRef in history; the client and the API return it resolved.
   */
  output: unknown;
  template: { id: string; version: number };
  /** The entry that answered; under the `review` content filter policy, the one whose filter stopped it. */
  answeredBy: { provider: string; model: string };
  simulated: boolean;
  cache: CacheOutcome;
  tier: string;
  quotaWaitMs: number;
  costMicroUsd: number;
  usage: TokenUsage;
  attempts: ModelAttempt[];
  validation: ValidationReport;
  review?: ReviewRecord;
  reviewReason?: ReviewReason;
}

/** Approve, reject or edit a pending review. Rejected by its validator when nothing is pending. */
export const reviewUpdate = defineUpdate<ReviewRecord, [ReviewDecision]>('review');

export const stateQuery = defineQuery<GenerationState>('state');

export const generationWorkflowName = 'generationWorkflow';
