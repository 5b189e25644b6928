import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationClient } from '../../client/generation-client';
import { ProductError } from '../../common/errors';
import type { GenerationResult } from '../../workflows/contract';

export interface Outcome {
  workflowId?: string;
  result?: GenerationResult;
  code?: string;
}

/**
 * Offers `count` requests at `perSecond` and follows each to its end. Starts and reads are retried while the
 * Temporal service is away: the idempotency key makes a repeated start return the same run.
 */
export async function driveRequests(generations: GenerationClient, documents: string[], count: number,
  perSecond: number, deadlineMs: number): Promise<Outcome[]> {
  const stamp = Date.now().toString(36);
  const pending: Array<Promise<Outcome>> = [];
  const started = Date.now();

  for (let index = 0; index < count; index += 1) {
    const request = { tenant: 'chaos', templateId: 'release-digest', idempotencyKey: `${stamp}-${index}`,
      input: { document: documents[index % documents.length] ?? '', product: `chaos-${index}` },
      review: { policy: 'never' as const } };
    pending.push(follow(generations, request, started + deadlineMs));
    await sleep(Math.max(0, started + ((index + 1) * 1000) / perSecond - Date.now()));
  }

  return Promise.all(pending);
}

async function follow(generations: GenerationClient, request: Record<string, unknown>, deadline: number):
  Promise<Outcome> {
  let workflowId: string | undefined;
  while (Date.now() < deadline) {
    try {
      workflowId ??= (await generations.start(request)).workflowId;
      return { workflowId, result: await generations.result(workflowId) };
    } catch (err) {
      if (err instanceof ProductError && err.code !== 'INTERNAL' && err.code !== 'TEMPORAL_UNAVAILABLE') {
        return { workflowId, code: err.code };
      }
      await sleep(500);
    }
  }

  return { workflowId, code: 'NOT_FINISHED_BY_DEADLINE' };
}
