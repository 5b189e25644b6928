/** The assistant's answer for a request: JSON for the structured formats, a short text otherwise. */

import { generateFromSchema } from './generate';
import type { FlatMessage, ResponseFormat } from './request';
import { isSchema, type Schema } from './schema';
import { analyseSource, type Source } from './source';
import { clipWords, markSimulated } from './text';

/** The user's last message is the input; system and developer messages are the instructions. */
export function sourceOf(messages: readonly FlatMessage[]): Source {
  const input = [...messages].reverse().find((message) => message.role === 'user')
    ?? messages[messages.length - 1];
  const instructions = messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => message.content)
    .join('\n');

  return analyseSource(input?.content ?? '', instructions);
}

export function generateContent(messages: readonly FlatMessage[], format: ResponseFormat | undefined): string {
  const source = sourceOf(messages);

  if (format?.type === 'json_schema' && format.json_schema.schema !== undefined) {
    return JSON.stringify(generateFromSchema(format.json_schema.schema, source, format.json_schema.name));
  }

  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    return JSON.stringify(generateFromSchema(jsonObjectShape(source), source));
  }

  return plainText(source);
}

const defaultObjectShape: Schema = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    points: { type: 'array', items: { type: 'string' }, maxItems: 3 },
    keywords: { type: 'array', items: { type: 'string' }, maxItems: 5 },
  },
};

/** json_object prompts usually show the wanted shape as an example; follow it when there is one. */
function jsonObjectShape(source: Source): Schema {
  const example = firstJsonObject(source.instructions) ?? firstJsonObject(source.message);
  return example === undefined ? defaultObjectShape : schemaFromExample(example);
}

function firstJsonObject(text: string): Record<string, unknown> | undefined {
  let from = text.indexOf('{');

  for (let tries = 0; from >= 0 && tries < 20; tries += 1) {
    const end = matchingBrace(text, from);
    const parsed = end < 0 ? undefined : tryParse(text.slice(from, end + 1));
    if (isSchema(parsed) && Object.keys(parsed).length > 0) {
      return { ...parsed };
    }
    from = text.indexOf('{', from + 1);
  }

  return undefined;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;

  for (let index = open; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (inString) {
      inString = char !== '"' || text.charAt(index - 1) === '\\';
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '}') {
      depth += char === '{' ? 1 : -1;
      if (depth === 0) {
        return index;
      }
    }
  }

  return -1;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A reply that names the input's title and its first few points, one per line. */
function plainText(source: Source): string {
  const limit = Math.min(source.itemLimit ?? 3, 3);
  const points = source.units.slice(0, limit).map((unit) => `- ${clipWords(unit.text, 25)}`);
  const opening = markSimulated(`Summary of "${clipWords(source.title, 16)}".`);

  return points.length === 0 ? `${opening} ${source.summary}` : [opening, ...points].join('\n');
}

/** JSON Schema for a JSON example found in a prompt, so json_object answers can follow the example's shape. */
export function schemaFromExample(example: unknown): Schema {
  if (Array.isArray(example)) {
    return { type: 'array', items: example.length > 0 ? schemaFromExample(example[0]) : { type: 'string' } };
  }

  if (isSchema(example)) {
    const entries = Object.entries(example).map(([key, value]) => [key, schemaFromExample(value)]);
    return { type: 'object', properties: Object.fromEntries(entries) };
  }

  if (typeof example === 'number') {
    return { type: Number.isInteger(example) ? 'integer' : 'number' };
  }

  return { type: typeof example === 'boolean' ? 'boolean' : 'string' };
}
