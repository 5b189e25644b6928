/** Numbers within the schema's bounds, chosen by the field's name. */

import { contextText, isEndName, isLineName, type GenerationContext } from './fields';
import { numberAt, type Schema } from './schema';
import { hashText, nameWords } from './text';

export function generateNumber(schema: Schema, context: GenerationContext, integer: boolean): number {
  const bounds = boundsOf(schema, integer);
  const value = numberFor(context, bounds, integer);
  const clamped = Math.min(Math.max(value, bounds.low), bounds.high);
  const step = numberAt(schema, 'multipleOf');

  if (step !== undefined && step > 0) {
    const multiple = Math.round(clamped / step) * step;
    const inRange = multiple < bounds.low ? multiple + step : multiple > bounds.high ? multiple - step : multiple;
    return Number(inRange.toFixed(10));
  }

  return integer ? Math.round(clamped) : clamped;
}

interface Bounds {
  low: number;
  high: number;
  declared: boolean;
}

function boundsOf(schema: Schema, integer: boolean): Bounds {
  // Exclusive bounds: one step inside for integers, a hair inside for other numbers.
  const inside = integer ? 1 : 1e-6;
  const exclusiveLow = numberAt(schema, 'exclusiveMinimum');
  const exclusiveHigh = numberAt(schema, 'exclusiveMaximum');
  const minimum = numberAt(schema, 'minimum') ?? (exclusiveLow === undefined ? undefined : exclusiveLow + inside);
  const maximum = numberAt(schema, 'maximum') ?? (exclusiveHigh === undefined ? undefined : exclusiveHigh - inside);

  const low = integer && minimum !== undefined ? Math.ceil(minimum) : minimum;
  const high = integer && maximum !== undefined ? Math.floor(maximum) : maximum;
  return {
    low: low ?? Number.NEGATIVE_INFINITY,
    high: high ?? Number.POSITIVE_INFINITY,
    declared: low !== undefined && high !== undefined,
  };
}

/** The number a field's name asks for: a line in the diff, a count, a confidence, or a stable pseudo-value. */
function numberFor(context: GenerationContext, bounds: Bounds, integer: boolean): number {
  const words = nameWords(context.name);
  const seed = hashText(`${context.path}|${contextText(context)}`);

  if (isLineName(context.name)) {
    const unit = context.unit ?? context.source.units[0];
    return (isEndName(context.name) ? unit?.endLine : undefined) ?? unit?.line ?? 1;
  }

  if (words.some((word) => ['count', 'total', 'number', 'num', 'amount'].includes(word))) {
    return context.source.units.length;
  }

  if (words.some((word) => ['index', 'position', 'order', 'rank'].includes(word))) {
    return context.index + 1;
  }

  if (words.some((word) => ['confidence', 'score', 'probability', 'likelihood', 'certainty'].includes(word))) {
    const fraction = 0.55 + (seed % 40) / 100;
    if (bounds.declared && bounds.high > 1) {
      return bounds.low + (bounds.high - bounds.low) * fraction;
    }
    return integer ? Math.round(fraction * 100) : fraction;
  }

  // Other numbers: stable for the same input, within a modest range near zero even when the schema allows
  // huge ones (zod's int() declares the whole safe-integer range).
  const nearZero = Math.min(Math.max(0, bounds.low), bounds.high);
  const low = nearZero === bounds.high ? Math.max(bounds.low, bounds.high - 100) : nearZero;
  const high = Math.min(bounds.high, low + 100);
  const fraction = (seed % 1000) / 1000;
  return integer ? low + (seed % (Math.floor(high - low) + 1)) : Number((low + (high - low) * fraction).toFixed(2));
}
