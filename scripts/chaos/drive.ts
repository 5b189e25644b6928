import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { GenerationClient } from '../../client/generation-client';
import { ProductError } from '../../common/errors';
import type { GenerationResult } from '../../workflows/contract';

export interface Outcome {
  workflowId?: string;
  result?: GenerationResult;
  code?: string;
}

export interface DriveResult {
  outcomes: Outcome[];
  /** The most requests started and not yet finished at one time. */
  inFlightPeak: number;
}

/**
 * Offers `count` requests at `perSecond` and follows each to its end. Starts and reads are retried while the
 * Temporal service is away: the idempotency key makes a repeated start return the same run.
 */
export async function driveRequests(target: { generations: GenerationClient; client: Client },
  documents: string[], count: number, perSecond: number, deadlineMs: number): Promise<DriveResult> {
  const stamp = Date.now().toString(36);
  const pending: Array<Promise<Outcome>> = [];
  const started = Date.now();
  const load = { inFlight: 0, peak: 0 };

  for (let index = 0; index < count; index += 1) {
    const request = { tenant: 'chaos', templateId: 'release-digest', idempotencyKey: `${stamp}-${index}`,
      input: { document: documents[index % documents.length] ?? '', product: `chaos-${index}` },
      review: { policy: 'never' as const } };
    load.inFlight += 1;
    load.peak = Math.max(load.peak, load.inFlight);
    pending.push(follow(target, request, started + deadlineMs).finally(() => {
      load.inFlight -= 1;
    }));
    await sleep(Math.max(0, started + ((index + 1) * 1000) / perSecond - Date.now()));
  }

  return { outcomes: await Promise.all(pending), inFlightPeak: load.peak };
}

async function follow({ generations, client }: { generations: GenerationClient; client: Client },
  request: Record<string, unknown>, deadline: number): Promise<Outcome> {
  let workflowId: string | undefined;
  while (Date.now() < deadline) {
    try {
      workflowId ??= (await generations.start(request)).workflowId;
      // The gRPC deadline ends the long poll itself, so nothing is left waiting once the scenario stops.
      const id = workflowId;
      return { workflowId, result: await client.withDeadline(deadline, () => generations.result(id)) };
    } catch (err) {
      if (err instanceof ProductError && err.code !== 'INTERNAL' && err.code !== 'TEMPORAL_UNAVAILABLE') {
        return { workflowId, code: err.code };
      }
      await sleep(500);
    }
  }

  return { workflowId, code: 'NOT_FINISHED_BY_DEADLINE' };
}

