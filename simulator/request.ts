/** The Chat Completions request body the simulator accepts, validated the way the provider would. */

import { z } from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() });

/** Non-text parts (images, audio, files) are accepted and ignored: the simulator only reads text. */
const otherPart = z.looseObject({ type: z.string().refine((type) => type !== 'text', 'text parts need text') });

const contentSchema = z.union([z.string(), z.array(z.union([textPart, otherPart]))]);

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: contentSchema.nullable().optional(),
  name: z.string().optional(),
});

const jsonSchemaFormat = z.object({
  type: z.literal('json_schema'),
  json_schema: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, underscores or dashes'),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  jsonSchemaFormat,
]);

/**
 * Strict, so a misspelt option (`includeUsage`) is an error instead of a stream that silently lacks usage.
 * `include_obfuscation` is a real provider option; it is accepted and has no effect, as chunks are not padded.
 */
const streamOptionsSchema = z.strictObject({
  include_usage: z.boolean().optional(),
  include_obfuscation: z.boolean().optional(),
});

const tokenLimit = z.number().int().positive().nullable().optional();

/** Unknown fields are dropped rather than rejected: real clients send many options the simulator ignores. */
export const chatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  temperature: z.number().min(0).max(2).nullable().optional(),
  n: z.number().int().min(1).max(8).nullable().optional(),
  response_format: responseFormatSchema.optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptionsSchema.nullable().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessageInput = z.infer<typeof messageSchema>;
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/** A message reduced to its role and its text. */
export interface FlatMessage {
  role: string;
  content: string;
  name?: string;
}

export function flattenMessage(message: ChatMessageInput): FlatMessage {
  const { content } = message;
  const parts = typeof content === 'string' ? [{ type: 'text', text: content }] : content ?? [];
  const text = parts
    .flatMap((part) => ('text' in part && typeof part.text === 'string' ? [part.text] : []))
    .join('\n');

  return message.name === undefined ? { role: message.role, content: text }
    : { role: message.role, content: text, name: message.name };
}

/** The provider's limit field was renamed; the newer name wins when both are sent. */
export function tokenLimitOf(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

/** Request problems in the provider's shape: the first issue, with the field it concerns. */
export function describeIssue(error: z.ZodError): { message: string; param: string | null; code: string } {
  const issue = error.issues[0];
  if (!issue) {
    return { message: 'Invalid request body.', param: null, code: 'invalid_request' };
  }

  const param = issue.path.reduce<string>((path, part) =>
    (typeof part === 'number' ? `${path}[${part}]` : path === '' ? String(part) : `${path}.${String(part)}`), '');

  return {
    message: param === '' ? `Invalid request body: ${issue.message}`
      : `Invalid value for '${param}': ${issue.message}`,
    param: param === '' ? null : param,
    code: issue.code,
  };
}
