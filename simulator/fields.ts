/**
 * What a property's name says about its value. A model fills `quote` with a quote and `file` with a path
 * because of the names; the simulator does the same with these rules.
 */

import type { Schema } from './schema';
import type { Source, Unit } from './source';
import { capitalise, clipWords, hashText, markSimulated, nameWords } from './text';

export type StringRole = 'quote' | 'file' | 'title' | 'summary' | 'keyword' | 'label' | 'id' | 'free';

const roleWords: Array<[StringRole, string[]]> = [
  ['quote', ['quote', 'quotes', 'evidence', 'excerpt', 'excerpts', 'citation', 'verbatim', 'snippet']],
  ['file', ['file', 'path', 'filename', 'filepath']],
  ['title', ['headline', 'title', 'subject', 'heading']],
  ['summary', ['summary', 'overview', 'abstract', 'tldr', 'synopsis']],
  ['keyword', ['tag', 'tags', 'keyword', 'keywords', 'topic', 'topics']],
  ['label', ['name', 'label', 'category', 'kind']],
  ['id', ['id', 'uuid', 'identifier']],
];

/** The last word decides first (`quote_text` is a text, `source_quote` a quote), then any word does. */
export function stringRole(name: string): StringRole {
  const words = nameWords(name);
  const last = words[words.length - 1];
  const byLast = roleWords.find(([, names]) => last !== undefined && names.includes(last));
  const byAny = roleWords.find(([, names]) => words.some((word) => names.includes(word)));
  return (byLast ?? byAny)?.[0] ?? 'free';
}

/** Number-valued names that point into the input rather than measure something. */
export function isLineName(name: string): boolean {
  return nameWords(name).some((word) => word === 'line' || word === 'lineno' || word === 'row');
}

export function isEndName(name: string): boolean {
  return nameWords(name).some((word) => word === 'end' || word === 'last' || word === 'to');
}

/** Opening words for free text, by what the field is for; the rest of the sentence comes from the input. */
const leads: Array<[string[], string]> = [
  [['message', 'comment', 'feedback', 'review', 'issue', 'problem', 'finding', 'concern'], 'Review'],
  [['suggestion', 'recommendation', 'fix', 'action', 'remediation', 'advice'], 'Consider revisiting'],
  [['reason', 'rationale', 'explanation', 'why', 'justification'], 'Based on'],
  [['impact', 'risk', 'effect', 'consequence'], 'Possible impact of'],
];

export interface FieldContext {
  source: Source;
  name: string;
  unit: Unit | undefined;
  index: number;
  path: string;
}

/** Where generation is in the schema: the field, the item it belongs to, and how deep. */
export interface GenerationContext extends FieldContext {
  root: Schema;
  depth: number;
}

/** The text that decides enums, flags and numbers: the current item's, or the whole input's. */
export function contextText(context: GenerationContext): string {
  const { unit, source } = context;
  return unit ? `${unit.section} ${unit.text}` : `${source.title} ${source.summary}`;
}


/** The unit a quote is taken from: the current item, else the input's first item, else its first line. */
export function quoteUnitFor(field: FieldContext): Unit | undefined {
  return field.unit ?? field.source.units[0] ?? field.source.lead;
}

/** Text for a string field; undefined when the input has nothing for it (e.g. a file in plain prose). */
export function roleText(role: StringRole, field: FieldContext): string | undefined {
  const { source, unit } = field;

  switch (role) {
    case 'quote':
      return quoteUnitFor(field)?.quote;
    case 'file':
      return unit?.file ?? source.files[field.index % Math.max(source.files.length, 1)];
    case 'title':
      return markSimulated(unit ? clipWords(unit.text, 12) : source.title);
    case 'summary':
      return markSimulated(unit ? clipWords(unit.text, 40) : source.summary);
    case 'keyword':
      return source.keywords[field.index % Math.max(source.keywords.length, 1)] ?? 'simulated';
    case 'label':
      return markSimulated(clipWords(unit?.text ?? source.title, 4).replace(/\.\.\.$/, ''));
    case 'id':
      return `sim-${hashText(`${field.path}|${unit?.text ?? source.title}`).toString(16).padStart(8, '0')}`;
    case 'free':
      return freeText(field);
  }
}

/** A sentence about the current item (or the whole input) that starts with a lead chosen by the field's name. */
function freeText(field: FieldContext): string {
  const words = nameWords(field.name);
  const lead = leads.find(([names]) => words.some((word) => names.includes(word)))?.[1];
  const subject = field.unit ? describeUnit(field.unit) : field.source.summary;

  return markSimulated(lead === undefined ? capitalise(subject) : `${lead} ${subject}`);
}

function describeUnit(unit: Unit): string {
  const text = clipWords(unit.text, 30);
  if (unit.file === undefined) {
    return text;
  }

  const where = unit.line === undefined ? unit.file : `${unit.file}:${unit.line}`;
  return `${where}: \`${text}\``;
}
