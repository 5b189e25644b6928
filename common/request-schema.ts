import { boundedDuration } from './duration';
import { z } from 'zod';

/** Review deadlines up to 90 days: longer waits belong in a queue of their own, not one open run. */
const deadline = boundedDuration(90 * 24 * 3600 * 1000);

/**
 * The model phase of one run may last up to a day (longer is a batch, not a request) and at least a second,
 * the least time a call is started with.
 */
export const requestDeadline = boundedDuration(24 * 3600 * 1000, 1000);

const key = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, {
  message: 'use letters, digits and . _ : - only',
});

/** A generation request as the workflow receives it; the activity that builds the prompt checks it again. */
export const generationRequestSchema = z.strictObject({
  tenant: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, {
    message: 'use letters, digits and . _ : - only',
  }),
  templateId: z.string().trim().min(1).max(100),
  templateVersion: z.number().int().min(1).optional(),
  input: z.record(z.string(), z.unknown()),
  review: z
    .strictObject({
      policy: z.enum(['always', 'never', 'when_flagged']).optional(),
      deadline: deadline.optional(),
      deadlineOutcome: z.enum(['approve', 'reject']).optional(),
      onContentFilter: z.enum(['fallback', 'review']).optional(),
    })
    .optional(),
  deadline: requestDeadline.optional(),
  chain: z.array(z.strictObject({ provider: z.string().min(1), model: z.string().min(1) })).min(1).optional(),
  cache: z.strictObject({ bypass: z.boolean().optional() }).optional(),
});

/** The body of `POST /v1/generations`, and what the TypeScript client accepts. */
export const startGenerationSchema = generationRequestSchema.extend({
  /** Makes the start idempotent: the same key for the same tenant returns the same run. */
  idempotencyKey: key.optional(),
});

export type StartGenerationRequest = z.infer<typeof startGenerationSchema>;
