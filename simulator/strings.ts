/** Strings: a role's text (see fields.ts) or a format's value, fitted to the schema's length bounds. */

import { contextText, quoteUnitFor, roleText, stringRole, type GenerationContext } from './fields';
import { numberAt, stringAt, type Schema } from './schema';
import { hashText, simulatedMarker } from './text';

export function generateString(schema: Schema, context: GenerationContext): string {
  const format = stringAt(schema, 'format');
  const formatted = format === undefined ? undefined : formatValue(format, context);
  if (formatted !== undefined) {
    return formatted;
  }

  const role = stringRole(context.name);
  const text = roleText(role, context) ?? (role === 'file' ? 'unknown' : simulatedMarker);
  return role === 'quote' ? fitQuote(text, schema, context) : fitText(text, schema);
}

function fitText(text: string, schema: Schema): string {
  const min = numberAt(schema, 'minLength') ?? 0;
  const max = numberAt(schema, 'maxLength') ?? Number.POSITIVE_INFINITY;
  let fitted = text.length > max ? text.slice(0, max).trimEnd() : text;

  while (fitted.length < min) {
    fitted = `${fitted} ${simulatedMarker}`.trimStart();
  }

  return fitted.length > max ? fitted.slice(0, max) : fitted;
}

/** Quotes are cut or extended along the source text itself, so they stay verbatim. */
function fitQuote(quote: string, schema: Schema, context: GenerationContext): string {
  const min = numberAt(schema, 'minLength') ?? 0;
  const max = numberAt(schema, 'maxLength') ?? Number.POSITIVE_INFINITY;
  if (quote.length > max) {
    return quote.slice(0, max).trimEnd();
  }

  const unit = quoteUnitFor(context);
  if (quote.length >= min) {
    return quote;
  }

  // With no source text to extend along, the schema's minimum wins over being verbatim.
  if (!unit) {
    return fitText(quote, schema);
  }

  const extended = context.source.message.slice(unit.quoteStart, unit.quoteStart + Math.min(max, min + 40)).trim();
  return extended.length >= min ? extended.slice(0, max).trimEnd() : fitText(quote, schema);
}

function formatValue(format: string, context: GenerationContext): string | undefined {
  const { message } = context.source;
  const date = /\b\d{4}-\d{2}-\d{2}\b/.exec(message)?.[0] ?? '1970-01-01';

  switch (format) {
    case 'date-time':
      return `${date}T00:00:00Z`;
    case 'date':
      return date;
    case 'time':
      return '00:00:00Z';
    case 'email':
      return /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.exec(message)?.[0] ?? 'simulated@example.invalid';
    case 'uri':
    case 'url':
      return /\bhttps?:\/\/[^\s)>"']+/.exec(message)?.[0] ?? `urn:simulator:${hashText(context.path).toString(16)}`;
    case 'uuid':
      return uuidFrom(`${context.path}|${contextText(context)}`);
    default:
      return undefined;
  }
}

function uuidFrom(seed: string): string {
  const hex = [0, 1, 2, 3].map((part) => hashText(`${part}|${seed}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
