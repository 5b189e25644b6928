/** POST /v1/chat/completions: validation, fault injection, provider limits, then the generated answer. */

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { admissionCost, type AdmissionCost } from './admission-cost';
import { buildCompletion, type ChatCompletion } from './completion';
import { errorBody, invalidRequest, sendError, type ProviderErrorBody } from './errors';
import type { FaultController, FaultRule } from './faults';
import type { LimitController } from './limits';
import { sendLimited, setQuotaHeaders, setRetryAfter } from './rate-headers';
import { chatRequestSchema, describeIssue, type ChatRequest } from './request';
import { isSchema } from './schema';
import type { StatsRecorder } from './stats';
import { strictSchemaProblem } from './strict';

export interface ChatRouteDeps {
  faults: FaultController;
  limits: LimitController;
  stats: StatsRecorder;
  /** Aborted when the simulator closes, so slow answers stop waiting. */
  lifetime: AbortSignal;
}

const defaultSlowDelayMs = 1_000;
const defaultRateLimitRetrySeconds = 1;

export function registerChatRoute(app: FastifyInstance, deps: ChatRouteDeps): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const parsed = chatRequestSchema.safeParse(request.body);
    if (!parsed.success) {
      deps.stats.record(modelNameOf(request.body), 'bad_request');
      const issue = describeIssue(parsed.error);
      return sendError(reply, 400, invalidRequest(issue.message, issue.param, issue.code));
    }

    const body = parsed.data;
    const problem = unsupported(body);
    if (problem) {
      deps.stats.record(body.model, 'bad_request');
      return sendError(reply, 400, problem);
    }

    // Faults apply to valid requests only, so a rule is never spent on a request the provider would reject.
    const fault = deps.faults.take(body.model);
    const failure = fault && faultResponse(fault);
    if (fault && failure) {
      deps.stats.record(body.model, fault.kind);
      if (failure.retryAfterSeconds !== undefined) {
        setRetryAfter(reply, Math.round(failure.retryAfterSeconds * 1000));
      }
      return sendError(reply, failure.status, failure.body);
    }

    if (fault?.kind === 'timeout') {
      deps.stats.record(body.model, 'timeout');
      // Never answer: the socket stays open until the client gives up or close() destroys every connection.
      reply.hijack();
      return reply;
    }

    // Limits come after faults: a request failed on purpose never reached the provider's quota.
    const cost: AdmissionCost = deps.limits.appliesTo(body.model) ? admissionCost(body, fault?.kind) : { tokens: 0 };
    const admission = deps.limits.admit(body.model, cost.tokens);
    setQuotaHeaders(reply, admission.quota);
    if (!admission.admitted) {
      deps.stats.recordLimited(body.model, admission.refusal.reason);
      return sendLimited(reply, admission.refusal);
    }

    try {
      return await answer(reply, body, fault, cost.completion, deps);
    } finally {
      admission.release();
    }
  });
}

/** The answer to an admitted request, after the delay of a slow fault. */
async function answer(reply: FastifyReply, body: ChatRequest, fault: FaultRule | undefined,
  built: ChatCompletion | undefined, deps: ChatRouteDeps): Promise<FastifyReply> {
  if (fault?.kind === 'slow' && !(await waited(fault.delayMs ?? defaultSlowDelayMs, deps.lifetime))) {
    deps.stats.record(body.model, 'slow');
    return sendError(reply, 503, errorBody('The simulator is shutting down.', 'server_error', 'shutting_down'));
  }

  const completion = built ?? buildCompletion(body, fault?.kind);
  const finish = completion.choices[0]?.finish_reason;
  const outcome = fault ? fault.kind : finish === 'length' ? 'length' : 'ok';
  deps.stats.record(body.model, outcome, {
    prompt: completion.usage.prompt_tokens,
    completion: completion.usage.completion_tokens,
  });

  return reply.header('x-request-id', `req_${completion.id}`).send(completion);
}

/** The model named by a body that failed validation, when it names one, so stats can still attribute it. */
function modelNameOf(body: unknown): string | undefined {
  return isSchema(body) && typeof body.model === 'string' && body.model !== '' ? body.model : undefined;
}

/** Valid requests the simulator still refuses, with the error the provider gives for them. */
function unsupported(body: ChatRequest): ProviderErrorBody | undefined {
  if (body.stream === true) {
    return invalidRequest('The simulator does not support stream=true yet.', 'stream', 'unsupported_value');
  }

  const format = body.response_format;
  if (format?.type === 'json_schema' && format.json_schema.strict === true) {
    const problem = strictSchemaProblem(format.json_schema.schema ?? {});
    if (problem !== undefined) {
      const message = `Invalid schema for response_format '${format.json_schema.name}': ${problem}`;
      return invalidRequest(message, 'response_format', 'invalid_json_schema');
    }
  }

  return undefined;
}

interface FaultResponse {
  status: number;
  body: ProviderErrorBody;
  retryAfterSeconds: number | undefined;
}

/** The error response for HTTP-level faults; undefined for faults that still produce an answer. */
function faultResponse(fault: FaultRule): FaultResponse | undefined {
  switch (fault.kind) {
    case 'rate_limit':
      return {
        status: 429,
        body: errorBody('Rate limit reached for requests (simulated).', 'requests', 'rate_limit_exceeded'),
        retryAfterSeconds: fault.retryAfterSeconds ?? defaultRateLimitRetrySeconds,
      };
    case 'server_error':
      return {
        status: 500,
        body: errorBody('The server had an error while processing your request (simulated).', 'server_error', null),
        retryAfterSeconds: undefined,
      };
    case 'unavailable':
      return {
        status: 503,
        body: errorBody('The engine is currently overloaded (simulated).', 'server_error', 'service_unavailable'),
        retryAfterSeconds: fault.retryAfterSeconds,
      };
    case 'unauthorized':
      return {
        status: 401,
        body: errorBody('Incorrect API key provided (simulated).', 'invalid_request_error', 'invalid_api_key'),
        retryAfterSeconds: undefined,
      };
    case 'context_length':
      return {
        status: 400,
        body: errorBody('This model\'s maximum context length is 4096 tokens; your messages are longer (simulated).',
          'invalid_request_error', 'context_length_exceeded'),
        retryAfterSeconds: undefined,
      };
    case 'content_filter':
      return {
        status: 400,
        body: errorBody('The response was filtered by the content management policy (simulated).',
          'invalid_request_error', 'content_filter'),
        retryAfterSeconds: undefined,
      };
    default:
      return undefined;
  }
}

/** True once the delay has passed; false when the simulator closed first. */
async function waited(delayMs: number, lifetime: AbortSignal): Promise<boolean> {
  try {
    await sleep(delayMs, undefined, { signal: lifetime });
    return true;
  } catch {
    return false;
  }
}
