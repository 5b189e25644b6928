/** Waits that end early when the simulator closes or the client goes away. */

import { setTimeout as sleep } from 'node:timers/promises';

/** True once `delayMs` has passed; false when `signal` aborted first. */
export async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(delayMs, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `signal` aborts, at once if it already has. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.resolve();
  }

  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
