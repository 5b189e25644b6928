/** Server-sent events on the raw response: paced, then ended in full, cut off, or held open as a fault asks. */

import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { pause, untilAborted } from './pause';

/** `done` ends the body cleanly, `cut` drops the connection mid-body, `stall` keeps it open and silent. */
export type StreamEnding = 'done' | 'cut' | 'stall';

export interface EventStreamPlan {
  /** The data of each event, already serialised. */
  events: string[];
  ending: StreamEnding;
  /** Spread evenly over the gaps between the events; 0 sends them as fast as the socket takes them. */
  spreadMs: number;
}

/**
 * Sends the events and resolves once the stream is over: ended, cut, or abandoned by the client or by the
 * simulator closing. The reply is hijacked, so the headers already set on it are copied to the raw response.
 */
export async function sendEventStream(reply: FastifyReply, plan: EventStreamPlan, lifetime: AbortSignal):
  Promise<void> {
  const response = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) {
      response.setHeader(name, value);
    }
  }
  reply.hijack();

  // One signal for both ways a stream stops early. The listener on the simulator's signal is removed at the
  // end, so a long run does not collect one per request.
  const stop = new AbortController();
  const abortStop = (): void => stop.abort();
  lifetime.addEventListener('abort', abortStop, { once: true });
  response.once('close', abortStop);
  if (lifetime.aborted) {
    stop.abort();
  }

  try {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const complete = await sendPaced(response, plan, stop.signal);

    if (complete && plan.ending === 'done') {
      response.end();
      return;
    }

    if (complete && plan.ending === 'stall') {
      await untilAborted(stop.signal);
    }

    // Destroying skips the last chunk of the chunked encoding, so the client sees a body that broke off.
    response.destroy();
  } finally {
    lifetime.removeEventListener('abort', abortStop);
  }
}

/** True when every event was sent; false when the stream stopped first. */
async function sendPaced(response: ServerResponse, plan: EventStreamPlan, stop: AbortSignal): Promise<boolean> {
  const gapMs = plan.events.length > 1 ? plan.spreadMs / (plan.events.length - 1) : 0;
  const startedAt = performance.now();

  for (const [at, event] of plan.events.entries()) {
    // Each event is due at a fixed offset from the start, so late timers do not add up over a long stream.
    const waitMs = startedAt + at * gapMs - performance.now();
    if (waitMs > 0 && !(await pause(waitMs, stop))) {
      return false;
    }

    if (stop.aborted) {
      return false;
    }
    await written(response, `data: ${event}\n\n`, stop);
  }

  return !stop.aborted;
}

/**
 * Resolves once the text is handed to the socket, so a cut that follows cannot discard it; or once the stream
 * stopped, so a write that a departed client never drained does not keep the sender waiting.
 */
function written(response: ServerResponse, text: string, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      stop.removeEventListener('abort', settle);
      resolve();
    };

    stop.addEventListener('abort', settle, { once: true });
    response.write(text, settle);
  });
}
