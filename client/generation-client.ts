import { createHash, randomUUID } from 'node:crypto';
import {
  Client,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
  QueryNotRegisteredError,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  type TypedSearchAttributes,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { errorCatalogue, type ErrorCode, ProductError } from '../common/errors';
import { getTemplate } from '../prompts/library';
import { parseTemplateInput } from '../prompts/render';
import {
  type GenerationRequest,
  type GenerationResult,
  type GenerationState,
  type ModelAttempt,
  type ReviewDecision,
  type ReviewRecord,
  generationWorkflowName,
  reviewUpdate,
  stateQuery,
} from '../workflows/contract';
import { reviewStatusKey, stageKey, templateKey, tenantKey } from '../workflows/search-attributes';
import { type StartGenerationRequest, startGenerationSchema } from '../common/request-schema';
import { reviewDecisionSchema } from '../workflows/review-decision';
import type { CacheStore } from '../activities/cache/types';
import { editOrRef, isLargeValue, offloadFields, payloadThresholdBytes, resolveValue } from '../activities/payloads';
import { firstProblem, type IssueLike } from '../common/zod-issues';

export interface GenerationClientOptions {
  client: Client;
  taskQueue: string;
  /** Base URL of the Temporal Web UI, to hand out links to runs. */
  uiUrl?: string;
  /**
   * The "provider/model" pairs the workers serve. When given, a request whose chain names another is refused
   * before it starts; without it the run itself fails with the same code.
   */
  knownModels?: ReadonlySet<string>;
  /**
   * Where large input texts are kept so that only references enter workflow history (the workers' shared store).
   * Without it, inputs travel whole and must stay under Temporal's payload limit.
   */
  payloads?: CacheStore;
  /** The workers' store.payloadThresholdBytes, so the client offloads exactly what they would (default 64 KB). */
  payloadThresholdBytes?: number;
  /** How long a status read waits for a worker to answer the state query (default 5 s). */
  queryTimeoutMs?: number;
  /** How long a review decision waits for a worker to accept it (default 20 s). */
  decisionTimeoutMs?: number;
}

export interface StartedGeneration {
  workflowId: string;
  runId?: string;
  /** True when the idempotency key matched a run that already existed. */
  existing: boolean;
  url?: string;
}

export interface GenerationView {
  workflowId: string;
  runId: string;
  status: WorkflowExecutionStatusName;
  state?: GenerationState;
  /** `search-attributes` when no worker answered the state query and the state was read from visibility. */
  stateSource?: 'query' | 'search-attributes';
  result?: GenerationResult;
  /** `field` names what the failure is about (a chain entry, the deadline, the tenant) when it says so. */
  failure?: { code: string; message: string; field?: string; attempts?: ModelAttempt[] };
  url?: string;
}

export interface PendingReview {
  workflowId: string;
  tenant?: string;
  templateId?: string;
  startedAt: string;
  url?: string;
}

/**
 * For backends that talk to Temporal directly; the REST API is built on it too.
 * @example
 * const generations = new GenerationClient({ client, taskQueue: 'generation' });
 * const { workflowId } = await generations.start({ tenant: 'acme', templateId: 'diff-review', input: { diff } });
 * await generations.decide(workflowId, { decision: 'approve', reviewer: 'ana' });
 */
export class GenerationClient {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly uiUrl?: string;
  private readonly knownModels?: ReadonlySet<string>;
  private readonly queryTimeoutMs: number;
  private readonly payloads?: CacheStore;
  private readonly thresholdBytes: number;
  private readonly decisionTimeoutMs: number;

  constructor(options: GenerationClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.uiUrl = options.uiUrl;
    this.knownModels = options.knownModels;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
    this.payloads = options.payloads;
    this.thresholdBytes = options.payloadThresholdBytes ?? payloadThresholdBytes;
    this.decisionTimeoutMs = options.decisionTimeoutMs ?? 20_000;
  }

  /** Validates everything a run needs before starting it, so bad input never becomes a failed run. */
  async start(raw: unknown): Promise<StartedGeneration> {
    const request = parseOrThrow(startGenerationSchema, raw, 'REQUEST_INVALID');
    const template = getTemplate(request.templateId, request.templateVersion);
    parseTemplateInput(template, request.input);
    this.checkChain(request.chain);

    // `~` cannot appear in a tenant or key, so two tenants' keys can never make the same id.
    const workflowId = `gen-${request.tenant}~${request.idempotencyKey ?? randomUUID()}`;
    const fullRequest = toWorkflowRequest(request, template.version);
    const requestHash = hashOf(fullRequest);
    const workflowRequest = this.payloads
      ? { ...fullRequest, input: await offloadFields(this.payloads, fullRequest.input, this.thresholdBytes) }
      : fullRequest;

    try {
      const handle = await this.client.workflow.start(generationWorkflowName, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [workflowRequest],
        // A repeated key, running or closed (within the namespace's retention), fails the start and we answer
        // with the run that already exists: the caller learns it is a repeat and nothing runs twice.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        memo: { requestHash },
        typedSearchAttributes: [
          { key: tenantKey, value: request.tenant },
          { key: templateKey, value: template.id },
          { key: stageKey, value: 'queued' },
          { key: reviewStatusKey, value: 'not_required' },
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId, existing: false, url: this.urlOf(workflowId) };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        await this.checkSameRequest(workflowId, requestHash, request.idempotencyKey ?? workflowId);
        return { workflowId, existing: true, url: this.urlOf(workflowId) };
      }
      throw err;
    }
  }

  /** The run's Temporal status plus its live state, its result, or its failure. */
  async get(workflowId: string): Promise<GenerationView> {
    const handle = this.client.workflow.getHandle(workflowId);
    const description = await withNotFound(workflowId, () => handle.describe());
    const view: GenerationView = {
      workflowId,
      runId: description.runId,
      status: description.status.name,
      url: this.urlOf(workflowId),
    };

    if (description.status.name === 'RUNNING') {
      const queryDeadline = Date.now() + this.queryTimeoutMs;
      view.state = await this.client.withDeadline(queryDeadline, () => handle.query(stateQuery))
        .catch((err: unknown) => {
          // The query needs a worker; without one the run is still readable from its search attributes.
          view.stateSource = 'search-attributes';
          return stateFromSearchAttributes(description.typedSearchAttributes, err, queryDeadline);
        });
      if (view.state?.validation && this.payloads) {
        // A reviewer reads the output under review from here, so a large one is resolved like a result's.
        const { payloads } = this;
        const output = view.state.validation.output;
        view.state.validation.output = await storedOr(workflowId, () => resolveValue(payloads, output));
      }
    } else if (description.status.name === 'COMPLETED') {
      view.result = await this.resolveOutputs(workflowId, (await handle.result()) as GenerationResult);
    } else {
      view.failure = await failureOf(() => handle.result());
    }

    return view;
  }

  /** Waits for the run to finish and returns its result; a failed run throws its catalogue code. */
  async result(workflowId: string): Promise<GenerationResult> {
    const handle = this.client.workflow.getHandle(workflowId);
    return withNotFound(workflowId, async () => {
      try {
        return await this.resolveOutputs(workflowId, (await handle.result()) as GenerationResult);
      } catch (err) {
        throw asProductError(err, workflowId);
      }
    });
  }

  /** Runs waiting for a person, newest first, from the visibility store. */
  async pendingReviews(limit = 100): Promise<PendingReview[]> {
    const query = `${reviewStatusKey.name} = 'pending' AND ExecutionStatus = 'Running'`;
    const reviews: PendingReview[] = [];
    for await (const run of this.client.workflow.list({ query })) {
      reviews.push({
        workflowId: run.workflowId,
        tenant: run.typedSearchAttributes.get(tenantKey),
        templateId: run.typedSearchAttributes.get(templateKey),
        startedAt: run.startTime.toISOString(),
        url: this.urlOf(run.workflowId),
      });
      if (reviews.length >= limit) {
        break;
      }
    }

    return reviews;
  }

  /** Delivers a decision as an Update: the call returns only once the workflow has accepted and recorded it. */
  async decide(workflowId: string, raw: unknown): Promise<ReviewRecord> {
    const decision: ReviewDecision = parseOrThrow(reviewDecisionSchema, raw, 'REVIEW_DECISION_INVALID');
    const handle = this.client.workflow.getHandle(workflowId);

    let decisionDeadline = Number.POSITIVE_INFINITY;
    return withNotFound(workflowId, async () => {
      try {
        // The update id is derived from the decision, so sending the same decision again joins the first one
        // instead of applying it twice, and tells a caller whose earlier call timed out what happened.
        const updateId = `review-${hashOf(decision)}`;
        const sent = await this.withStoredEdit(handle, workflowId, decision);
        decisionDeadline = Date.now() + this.decisionTimeoutMs;
        return await this.client.withDeadline(decisionDeadline,
          () => handle.executeUpdate(reviewUpdate, { args: [sent], updateId }));
      } catch (err) {
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(err, decisionDeadline)) {
          throw new ProductError('WORKER_UNAVAILABLE', { field: workflowId,
            reason: 'the decision may still be applied; send the same decision again to learn its outcome' });
        }
        if (!(err instanceof WorkflowUpdateFailedError) && (await handle.describe()).status.name !== 'RUNNING') {
          // A closed run cannot take updates; to the reviewer that simply means nothing is pending.
          throw new ProductError('REVIEW_NOT_PENDING', { field: workflowId }, { cause: err });
        }
        throw asProductError(err, workflowId);
      }
    });
  }

  /**
   * A large edit goes to the shared store, bound to its run, and the decision carries its reference. It is
   * stored only when the run is waiting for a review and the edit passes the template's schema, so refused
   * decisions leave nothing behind; the workflow validates it again when it arrives.
   */
  private async withStoredEdit(handle: WorkflowHandle, workflowId: string, decision: ReviewDecision):
    Promise<ReviewDecision> {
    if (!this.payloads || decision.output === undefined || !isLargeValue(decision.output, this.thresholdBytes)) {
      return decision;
    }

    const state = await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => handle.query(stateQuery))
      .catch(async (err: unknown) => {
        if ((await handle.describe()).status.name !== 'RUNNING') {
          throw new ProductError('REVIEW_NOT_PENDING', { field: workflowId }, { cause: err });
        }
        throw new ProductError('WORKER_UNAVAILABLE', { field: workflowId, reason: 'nothing was stored or sent' },
          { cause: err });
      });
    if (state.reviewStatus !== 'pending' || !state.templateId || state.templateVersion === undefined) {
      throw new ProductError('REVIEW_NOT_PENDING', { field: workflowId });
    }

    const parsed = getTemplate(state.templateId, state.templateVersion).output.safeParse(decision.output);
    if (!parsed.success) {
      const { field, reason } = firstProblem(parsed.error.issues, '');
      throw new ProductError('REVIEW_EDIT_INVALID', { field: field ? `output.${field}` : 'output', reason });
    }

    return { ...decision, output: await editOrRef(this.payloads, workflowId, decision.output, this.thresholdBytes) };
  }

  /**
   * Large outputs are references in history; callers get the values. Without the shared store (a client made
   * without `payloads`) the references are returned as they are.
   */
  private async resolveOutputs(workflowId: string, result: GenerationResult): Promise<GenerationResult> {
    if (!this.payloads) {
      return result;
    }

    const store = this.payloads;
    return storedOr(workflowId, async () => ({
      ...result,
      output: await resolveValue(store, result.output),
      validation: { ...result.validation, output: await resolveValue(store, result.validation.output) },
    }));
  }

  /** The run's full event history, for replay tests and audits. */
  async history(workflowId: string): Promise<History> {
    return withNotFound(workflowId, () => this.client.workflow.getHandle(workflowId).fetchHistory());
  }

  /** A repeated key must carry the same request; otherwise the caller would silently get another's result. */
  private async checkSameRequest(workflowId: string, requestHash: string, key: string): Promise<void> {
    const description = await this.client.workflow.getHandle(workflowId).describe();
    const memo = description.memo;
    if (memo?.requestHash !== requestHash) {
      throw new ProductError('IDEMPOTENCY_KEY_REUSED', { field: key });
    }
  }

  private checkChain(chain: StartGenerationRequest['chain']): void {
    chain?.forEach((target, index) => {
      if (this.knownModels && !this.knownModels.has(`${target.provider}/${target.model}`)) {
        throw new ProductError('REQUEST_INVALID', { field: `chain.${index}`,
          reason: `no configured model ${target.provider}/${target.model}` });
      }
    });
  }

  urlOf(workflowId: string): string | undefined {
    if (!this.uiUrl) {
      return undefined;
    }
    const namespace = encodeURIComponent(this.client.options.namespace);
    return `${this.uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
  }
}

function toWorkflowRequest(request: StartGenerationRequest, templateVersion: number): GenerationRequest {
  return {
    tenant: request.tenant,
    templateId: request.templateId,
    // Pin the version at start so a template published mid-run never changes what this run does.
    templateVersion,
    input: request.input,
    review: request.review,
    deadline: request.deadline,
    chain: request.chain,
    cache: request.cache,
  };
}

/** Reads from the shared store, turning a payload that is gone (expired, evicted) into its catalogue code. */
async function storedOr<T>(workflowId: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'PAYLOAD_MISSING') {
      const key = (err.details?.[0] as { key?: string } | undefined)?.key ?? 'a stored text';
      throw new ProductError('PAYLOAD_MISSING', { field: workflowId, reason: key }, { cause: err });
    }
    throw err;
  }
}

/** gRPC's status code for a call that ran past its deadline. */
const grpcDeadlineExceeded = 4;
const grpcCancelled = 1;
const grpcFailedPrecondition = 9;

/** The error and its causes, outermost first: the SDK wraps gRPC errors, so a code may sit several levels down. */
function* causeChain(err: unknown): Generator<{ code?: unknown; message?: string }> {
  for (let current = err as { code?: unknown; message?: string; cause?: unknown } | undefined; current;
    current = current.cause as typeof current) {
    yield current;
  }
}

function hasGrpcCode(err: unknown, code: number): boolean {
  return [...causeChain(err)].some((current) => current.code === code);
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/**
 * Whether a call ended because our deadline passed. gRPC reports that as DEADLINE_EXCEEDED, or, when the
 * deadline fires while the SDK's retry layer holds the call, as CANCELLED: that one counts once the deadline
 * has passed.
 */
function isDeadlineExceeded(err: unknown, deadlineMs: number): boolean {
  return [...causeChain(err)].some((current) => current.code === grpcDeadlineExceeded ||
    /deadline exceeded/i.test(current.message ?? '') || (current.code === grpcCancelled && Date.now() >= deadlineMs));
}

/**
 * The state as visibility holds it, for when the run cannot answer its query: no worker in time, or a workflow
 * task that keeps failing (the query then fails with FAILED_PRECONDITION). A run that is gone is still an error.
 */
function stateFromSearchAttributes(attributes: TypedSearchAttributes, cause: unknown, deadlineMs: number):
  GenerationState {
  const unanswerable = isDeadlineExceeded(cause, deadlineMs) || cause instanceof QueryNotRegisteredError ||
    hasGrpcCode(cause, grpcFailedPrecondition);
  if (!unanswerable) {
    throw cause;
  }

  return {
    stage: (attributes.get(stageKey) ?? 'queued') as GenerationState['stage'],
    reviewStatus: (attributes.get(reviewStatusKey) ?? 'not_required') as GenerationState['reviewStatus'],
    attempts: [],
  };
}

interface SafeParser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: IssueLike[] } };
}

function parseOrThrow<T>(schema: SafeParser<T>, raw: unknown, code: ErrorCode): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) {
    return parsed.data;
  }

  throw new ProductError(code, firstProblem(parsed.error.issues, '(body)'));
}

async function withNotFound<T>(workflowId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new ProductError('GENERATION_NOT_FOUND', { field: workflowId }, { cause: err });
    }
    throw err;
  }
}

/** Maps a workflow or update failure to the catalogue code the workflow chose. */
function asProductError(err: unknown, workflowId: string): unknown {
  if (!(err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError)) {
    return err;
  }

  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type && cause.type in errorCatalogue) {
    const details = cause.details?.[0] as { field?: string } | undefined;
    return new ProductError(cause.type as ErrorCode, { field: details?.field ?? workflowId, reason: cause.message },
      { cause: err });
  }

  return new ProductError('INTERNAL', { reason: cause?.message ?? err.message }, { cause: err });
}

async function failureOf(wait: () => Promise<unknown>): Promise<NonNullable<GenerationView['failure']>> {
  try {
    await wait();
    return { code: 'INTERNAL', message: 'run closed without a failure' };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as { field?: unknown; attempts?: ModelAttempt[] } | undefined;
      return { code: cause.type ?? 'INTERNAL', message: cause.message,
        ...(typeof details?.field === 'string' ? { field: details.field } : {}),
        ...(Array.isArray(details?.attempts) ? { attempts: details.attempts } : {}) };
    }
    if (cause instanceof TerminatedFailure) {
      return { code: 'GENERATION_TERMINATED', message: cause.message };
    }
    if (cause instanceof CancelledFailure) {
      return { code: 'GENERATION_CANCELLED', message: cause.message };
    }
    return { code: 'INTERNAL', message: (err as Error).message };
  }
}
