import { z } from 'zod';
import type { PromptTemplate } from '../../types';
import { filesChangedIn } from '../../checks';
import { boundedText } from '../../text-limits';

const input = z.strictObject({
  diff: boundedText(10),
  focus: z.enum(['correctness', 'security', 'style', 'all']).default('all'),
  tone: z.enum(['neutral', 'direct', 'encouraging']).default('neutral'),
  length: z.enum(['short', 'medium', 'long']).default('short'),
});

const finding = z.strictObject({
  file: z.string().min(1).max(500),
  line: z.number().int().min(1),
  severity: z.enum(['info', 'warning', 'error']),
  message: z.string().min(1).max(2000),
});

const output = z.strictObject({
  summary: z.string().min(1).max(2000),
  findings: z.array(finding).max(30),
});

export type DiffReviewInput = z.input<typeof input>;
export type DiffReview = z.infer<typeof output>;

export const diffReviewV1: PromptTemplate<z.infer<typeof input>, DiffReview> = {
  id: 'diff-review',
  version: 1,
  description: 'A review of a unified diff: findings with file, line, severity and message.',
  folder: __dirname,
  input,
  output,
  model: { temperature: 0, maxOutputTokens: 3000 },
  review: 'always',
  constants: {
    rules: [
      'Each finding names a file that the diff changes and a line number in the new version of that file.',
      'Severity is error for bugs and security problems, warning for risky code, info for the rest.',
    ],
  },
  check: (review, request) => {
    const changed = filesChangedIn(request.diff);
    return review.findings
      .filter((item) => !changed.has(item.file))
      .map((item) => `finding names ${item.file}, which the diff does not change`);
  },
};
