/** POST /v1/chat/completions: validation, fault injection, provider limits, then the answer, whole or streamed. */

import type { FastifyInstance, FastifyReply } from 'fastify';
import { admissionCost, type AdmissionCost } from './admission-cost';
import { buildCompletion, type ChatCompletion } from './completion';
import { errorBody, invalidRequest, sendError, type ProviderErrorBody } from './errors';
import { faultResponse } from './fault-responses';
import { defaultSlowDelayMs, type FaultController, type FaultRule } from './faults';
import type { LimitController } from './limits';
import { pause } from './pause';
import { sendLimited, setQuotaHeaders, setResetHeaders, setRetryAfter } from './rate-headers';
import { chatRequestSchema, describeIssue, type ChatRequest } from './request';
import { isSchema } from './schema';
import { outcomeOf, type StatsRecorder } from './stats';
import { answerStreamed } from './streamed-answer';
import { strictSchemaProblem } from './strict';

export interface ChatRouteDeps {
  faults: FaultController;
  limits: LimitController;
  stats: StatsRecorder;
  /** Aborted when the simulator closes, so slow answers and open streams stop waiting. */
  lifetime: AbortSignal;
}

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
      if (failure.retryAfterSeconds !== undefined && fault.waitHint === 'reset-headers') {
        setResetHeaders(reply, Math.round(failure.retryAfterSeconds * 1000));
      } else if (failure.retryAfterSeconds !== undefined) {
        setRetryAfter(reply, Math.round(failure.retryAfterSeconds * 1000));
      }
      return sendError(reply, failure.status, failure.body);
    }

    const streamed = body.stream === true;
    if (fault?.kind === 'timeout' || (fault?.kind === 'stall' && !streamed)) {
      deps.stats.record(body.model, fault.kind);
      // Never answer: the socket stays open until the client gives up or close() destroys every connection.
      reply.hijack();
      return reply;
    }

    if (fault?.kind === 'stream_cut' && !streamed) {
      deps.stats.record(body.model, fault.kind);
      // Drop the connection with nothing sent, as a reset between the client and the provider would.
      reply.hijack();
      reply.raw.destroy();
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

    // A stream holds its slot until it ends, is cut, or the client leaves: the provider is busy with it till then.
    try {
      const completion = cost.completion ?? buildCompletion(body, fault?.kind);
      return streamed ? await answerStreamed(reply, body, fault, completion, deps)
        : await answer(reply, body, fault, completion, deps);
    } finally {
      admission.release();
    }
  });
}

/** The whole answer to an admitted request, after the delay of a slow fault. */
async function answer(reply: FastifyReply, body: ChatRequest, fault: FaultRule | undefined,
  completion: ChatCompletion, deps: ChatRouteDeps): Promise<FastifyReply> {
  if (fault?.kind === 'slow' && !(await pause(fault.delayMs ?? defaultSlowDelayMs, deps.lifetime))) {
    deps.stats.record(body.model, 'slow');
    return sendError(reply, 503, errorBody('The simulator is shutting down.', 'server_error', 'shutting_down'));
  }

  deps.stats.record(body.model, outcomeOf(fault?.kind, completion.choices[0]?.finish_reason), {
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
