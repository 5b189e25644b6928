import { z } from 'zod';

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
  });
