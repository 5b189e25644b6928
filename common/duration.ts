import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';

/** A duration written as words ("10 seconds"), the form Temporal's options take. */
export const durationSchema = z.string()
  .refine(isDuration, { message: 'expected a duration such as "10 seconds"' })
  .transform((text) => text as Duration);

function isDuration(text: string): boolean {
  try {
    return msToNumber(text as Duration) > 0;
  } catch {
    return false;
  }
}

export function durationMs(value: Duration): number {
  return msToNumber(value);
}
