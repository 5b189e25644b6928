import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { z } from 'zod';
import { ProductError } from '../common/errors';
import { firstProblem } from '../common/zod-issues';
import type { AnyPromptTemplate } from './types';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface RenderedPrompt {
  messages: ChatMessage[];
  /** The input after its schema applied defaults: what the bodies actually saw. */
  input: unknown;
  /** JSON Schema of the output, sent to the provider as the structured-output format. */
  outputJsonSchema: Record<string, unknown>;
}

const partsFolder = join(__dirname, 'parts');

/** Engines are cached per template folder; Liquid caches parsed files itself. */
const engines = new Map<string, Liquid>();

function engineFor(folder: string): Liquid {
  let engine = engines.get(folder);
  if (!engine) {
    // Strict variables make a typo in a body fail loudly instead of rendering an empty string.
    engine = new Liquid({
      root: [folder],
      partials: [partsFolder],
      extname: '.liquid',
      strictVariables: true,
      strictFilters: true,
      cache: true,
    });
    engines.set(folder, engine);
  }

  return engine;
}

/** Validates the input against the template's schema; the first problem is reported with its field path. */
export function parseTemplateInput(template: AnyPromptTemplate, input: unknown): unknown {
  const parsed = template.input.safeParse(input);
  if (!parsed.success) {
    throw new ProductError('TEMPLATE_INPUT_INVALID', firstProblem(parsed.error.issues, '(input)'));
  }

  return parsed.data;
}

export async function renderPrompt(template: AnyPromptTemplate, rawInput: unknown): Promise<RenderedPrompt> {
  const input = parseTemplateInput(template, rawInput);
  const context = { ...template.constants, ...(input as Record<string, unknown>) };

  const engine = engineFor(template.folder);
  const system = await engine.renderFile('system', context) as string;
  const user = await engine.renderFile('user', context) as string;

  return {
    messages: [
      { role: 'system', content: tidy(system) },
      { role: 'user', content: user.trim() },
    ],
    input,
    outputJsonSchema: outputJsonSchemaOf(template),
  };
}

/** Parts leave blank lines where their tags stood; one blank line between paragraphs is enough. */
function tidy(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

/** The output schema in the JSON Schema form that structured-output providers accept. */
export function outputJsonSchemaOf(template: AnyPromptTemplate): Record<string, unknown> {
  const schema = z.toJSONSchema(template.output, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
