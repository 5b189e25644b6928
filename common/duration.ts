import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';

/** A duration written as words ("10 seconds"), the form Temporal's options take. */
export const durationSchema = boundedDuration(366 * 24 * 3600 * 1000);

/** A duration that ends up in a Node timer, which fires at once for anything above 2^31 - 1 ms (24.8 days). */
export const timerDurationSchema = boundedDuration(2 ** 31 - 1);

/**
 * A duration with a unit, more than zero (at least `minMs` when given) and at most `maxMs`. A bare number would
 * be read as milliseconds, which no one writing "1" for a deadline means, so a unit is required.
 */
export function boundedDuration(maxMs: number, minMs?: number) {
  const lowest = minMs === undefined ? 'above zero' : `of at least ${minMs} ms`;
  return z.string()
    .regex(/^\s*\d+(\.\d+)?\s*[a-zA-Z]+\s*$/, { message: 'expected a number with a unit, such as "10 seconds"' })
    .refine((text) => isWithin(text, maxMs, minMs),
      { message: `expected a duration ${lowest} and at most ${maxMs} ms` })
    .transform((text) => text as Duration);
}

function isWithin(text: string, maxMs: number, minMs = 0): boolean {
  try {
    const ms = msToNumber(text as Duration);
    return ms > 0 && ms >= minMs && ms <= maxMs;
  } catch {
    return false;
  }
}

export function durationMs(value: Duration): number {
  return msToNumber(value);
}
