/** Enum values and boolean flags, chosen from what the current item's text says. */

import { contextText, type GenerationContext } from './fields';
import { categoryOf, severityRank, urgencyOf } from './keywords';
import { hashText, nameWords, wordsOf } from './text';

/**
 * Severity-like enums follow the urgency of the text (bug and security words rank high); other enums take
 * the first value the text mentions; failing both, a value picked by a hash of the text.
 */
export function chooseEnum(options: unknown[], context: GenerationContext): unknown {
  const text = contextText(context);
  const ranked = options.flatMap((option) => {
    const rank = typeof option === 'string' ? severityRank(option) : undefined;
    return rank === undefined ? [] : [{ option, rank }];
  });

  if (ranked.length >= 2) {
    const target = urgencyOf(text);
    const distance = (rank: number): number => Math.abs(rank - target);
    const best = ranked.reduce((a, b) =>
      distance(b.rank) < distance(a.rank) || (distance(b.rank) === distance(a.rank) && b.rank < a.rank) ? b : a);
    return best.option;
  }

  const words = wordsOf(text);
  const mentioned = options.find((option) => typeof option === 'string' && mentions(option, words, text));
  return mentioned ?? options[hashText(`${context.path}|${text}`) % options.length];
}

function mentions(option: string, words: string[], text: string): boolean {
  const topic = categoryOf(option);
  if (topic?.test(text)) {
    return true;
  }

  return wordsOf(option).some((word) => word.length >= 3 && words.some((other) => other.startsWith(word.slice(0, 5))));
}

/** A flag is true when the text mentions what the flag's name is about (`is_breaking`, `security`). */
export function generateBoolean(context: GenerationContext): boolean {
  const text = contextText(context);
  const topic = categoryOf(context.name);
  if (topic) {
    return topic.test(text);
  }

  const filler = new Set(['is', 'has', 'have', 'should', 'contains', 'requires', 'needs', 'was', 'can', 'does']);
  const words = wordsOf(text);
  return nameWords(context.name)
    .filter((word) => word.length > 2 && !filler.has(word))
    .some((word) => words.some((other) => other.startsWith(word.slice(0, 5))));
}
