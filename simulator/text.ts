/** Small text helpers shared by the content generators. Everything here is pure and deterministic. */

/** Prefix on every free-text value, so nobody mistakes simulated output for a real model's answer. */
export const simulatedMarker = '[simulated]';

/** FNV-1a, 32 bit: a stable seed so the same input always picks the same values. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }

  return hash >>> 0;
}

/** Keeps the first `maxWords` words, so generated sentences stay short whatever the input's lines are. */
export function clipWords(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  const kept = words.slice(0, maxWords).join(' ');
  return words.length > maxWords ? `${kept}...` : kept;
}

/** Lower-case words of a text, letters and digits only. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** Splits a property name such as `breakingChanges` or `line_number` into lower-case words. */
export function nameWords(name: string): string[] {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return wordsOf(spaced);
}

/** A rough singular form, enough to turn an array's name into the name of one of its items. */
export function singular(name: string): string {
  if (/ies$/i.test(name)) {
    return `${name.slice(0, -3)}y`;
  }

  if (/(ss|us|is)$/i.test(name)) {
    return name;
  }

  if (/(ches|shes|xes|sses)$/i.test(name)) {
    return name.slice(0, -2);
  }

  return name.endsWith('s') ? name.slice(0, -1) : name;
}

export function capitalise(text: string): string {
  return text.length === 0 ? text : `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** Prefixes the simulator marker once, however often the text passes through here. */
export function markSimulated(text: string): string {
  const body = text.trim();
  if (body.startsWith(simulatedMarker)) {
    return body;
  }

  return body.length === 0 ? simulatedMarker : `${simulatedMarker} ${body}`;
}
