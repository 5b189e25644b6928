import type { z } from 'zod';

/** When a person must look at an output before it is released. */
export type ReviewPolicy = 'always' | 'never' | 'when_flagged';

/**
 * One version of a prompt template. A version never changes once published: a new wording, schema or
 * parameter is a new version, so a run can always be traced to the exact prompt it used.
 */
export interface PromptTemplate<Input = unknown, Output = unknown> {
  id: string;
  version: number;
  description: string;
  /** Folder holding this version's `system.liquid` and `user.liquid` bodies. */
  folder: string;
  input: z.ZodType<Input>;
  output: z.ZodType<Output>;
  model: { temperature: number; maxOutputTokens: number };
  review: ReviewPolicy;
  /** Fixed values the bodies use beside the request's input, such as the template's own rules. */
  constants: Record<string, unknown>;
  /**
   * Checks beyond the schema. Each returned string is a flag with its reason; a flagged output goes to a
   * person under the `when_flagged` policy.
   */
  check?: (output: Output, input: Input) => string[];
}

export type AnyPromptTemplate = PromptTemplate<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
