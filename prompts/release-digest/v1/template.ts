import { z } from 'zod';
import type { PromptTemplate } from '../../types';
import { quotesMissingFrom } from '../../checks';
import { boundedText } from '../../text-limits';

const input = z.strictObject({
  document: boundedText(20),
  product: z.string().max(200).default(''),
  tone: z.enum(['neutral', 'enthusiastic', 'formal']).default('neutral'),
  length: z.enum(['short', 'medium', 'long']).default('medium'),
  audience: z.string().min(1).max(200).default('engineers who use the product'),
});

/** Every item quotes the source, so a reviewer (and a check) can see where it came from. */
const evidencedItem = z.strictObject({
  text: z.string().min(1).max(1000),
  quote: z.string().min(1).max(1000),
});

const output = z.strictObject({
  headline: z.string().min(1).max(300),
  highlights: z.array(evidencedItem).min(1).max(12),
  breaking_changes: z.array(evidencedItem).max(12),
});

export type ReleaseDigestInput = z.input<typeof input>;
export type ReleaseDigest = z.infer<typeof output>;

export const releaseDigestV1: PromptTemplate<z.infer<typeof input>, ReleaseDigest> = {
  id: 'release-digest',
  version: 1,
  description: 'A structured digest of a release-notes document, each item backed by a quote from the source.',
  folder: __dirname,
  input,
  output,
  model: { temperature: 0.2, maxOutputTokens: 2000 },
  review: 'when_flagged',
  constants: {
    rules: [
      'Each highlight and breaking change carries a quote copied word for word from the release notes.',
      'A breaking change is anything that can make existing use fail; if there is none, return an empty list.',
    ],
  },
  check: (digest, request) =>
    quotesMissingFrom(request.document, [...digest.highlights, ...digest.breaking_changes].map((i) => i.quote)),
};
