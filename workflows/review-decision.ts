import { z } from 'zod';

/** Far deeper than any template's output; deeper values would only exhaust the stack of whoever walks them. */
const maxOutputDepth = 64;

/** The shape of a review decision; the update validator and the REST API both parse with it. */
export const reviewDecisionSchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject', 'edit']),
    reviewer: z.string().trim().min(1).max(200),
    comment: z.string().max(5000).optional(),
    output: z.unknown().optional(),
  })
  .refine((value) => value.decision !== 'edit' || value.output !== undefined, {
    path: ['output'],
    message: 'an edit needs the new output',
  })
  .refine((value) => value.decision === 'edit' || value.output === undefined, {
    path: ['output'],
    message: 'only an edit carries an output',
  })
  .refine((value) => nestingDepth(value.output) <= maxOutputDepth, {
    path: ['output'],
    message: `nests deeper than ${maxOutputDepth} levels`,
  });

/** How deeply arrays and objects nest, found without recursion so that any depth is safe to measure. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) {
      continue;
    }
    deepest = Math.max(deepest, depth);
    if (deepest > maxOutputDepth) {
      return deepest;
    }
    for (const inner of Object.values(current)) {
      pending.push([inner, depth + 1]);
    }
  }

  return deepest;
}
