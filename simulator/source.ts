/**
 * Reads the request's input the way a model would have to: where the document is, its title, its items
 * (bullets, sentences, or diff hunks) and the verbatim text each item can be quoted by.
 */

import { parseDiff, type DiffHunk, type DiffLine } from './diff';
import { urgencyOf } from './keywords';
import { wordsOf } from './text';

/** One thing the input says: a bullet, a sentence, or a change in a diff. */
export interface Unit {
  /** Readable text, without list markers. */
  text: string;
  /** A verbatim, trimmed substring of the user message, shorter than 300 characters. */
  quote: string;
  /** Where `quote` starts in the user message, so it can be extended without leaving the source. */
  quoteStart: number;
  /** The heading the unit sits under (for a diff: its file), empty when there is none. */
  section: string;
  file?: string;
  line?: number;
  endLine?: number;
}

export interface Source {
  /** The last user message: the input to work on. */
  message: string;
  /** System and developer messages: how to work on it. */
  instructions: string;
  title: string;
  summary: string;
  units: Unit[];
  /** Unit made from the title line, for quotes when the input has no other items. */
  lead: Unit | undefined;
  files: string[];
  keywords: string[];
  isDiff: boolean;
  /** A cap on list lengths found in the instructions ("at most 3 items"), if any. */
  itemLimit: number | undefined;
}

const maxQuoteChars = 299;
const maxUnits = 200;
const listMarkers = /^\s*(?:(?:[-*+•]|\d{1,3}[.)])\s+|#{1,6}\s+|>\s?)*/;
const bulletLine = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+/;
const metaLine = new RegExp('^(?:```|~~~|diff --git |index [0-9a-f]|--- |\\+\\+\\+ |@@ |' +
  'new file mode|deleted file mode|similarity index)');
const separatorLine = /^(?:[-=*_~]\s*){3,}$/;
/** Paths with a folder (`src/a.ts`), or bare file names with a common source extension (`README.md`). */
const pathToken = new RegExp('(?:[\\w.-]+/)+[\\w.-]+\\.[A-Za-z]\\w*|' +
  '\\b[\\w-]+\\.(?:ts|tsx|js|jsx|mjs|py|go|rs|java|rb|c|h|cpp|md|json|ya?ml|toml|sql|sh)\\b', 'g');
const stopWords = new Set([
  'this that with from have will your them they their then than there these those which when what were been',
  'being into onto over under more most some such only also very just each other about after before while where',
  'should would could must does done make made like using used uses',
].join(' ').split(' '));

interface Line {
  /** The line without list markers or surrounding whitespace. */
  text: string;
  start: number;
  kind: 'heading' | 'bullet' | 'text' | 'meta';
}

export function analyseSource(message: string, instructions: string): Source {
  const region = documentRegion(message);
  const diff = parseDiff(message.slice(0, region.end));
  const isDiff = diff.hunks.length > 0;
  const lines = readLines(message, region, isDiff);

  const units = (isDiff ? diff.hunks.map(hunkUnit) : textUnits(lines))
    .filter((unit): unit is Unit => unit !== undefined)
    .slice(0, maxUnits);
  const leadLine = lines.find((line) => line.kind !== 'meta');
  const lead = leadLine ? quoteUnit(leadLine.text, leadLine.start, '') : undefined;
  const files = isDiff ? diff.files : pathsIn(message.slice(region.start, region.end));

  return {
    message,
    instructions,
    title: titleOf(lines, isDiff, files),
    summary: summaryOf(lines, isDiff, files, units.length),
    units,
    lead,
    files,
    keywords: keywordsOf(lines.map((line) => line.text).join(' ')),
    isDiff,
    itemLimit: itemLimitOf(instructions),
  };
}

/**
 * Prompts often wrap the document in delimiters (`<<<` ... `>>>`) after a few lines of framing; the framing
 * is not part of the document, so only the delimited part is read when there is one.
 */
function documentRegion(message: string): { start: number; end: number } {
  // Only delimiters on lines of their own count: merge-conflict markers inside a document must not.
  const open = /^<<<[ \t]*$/m.exec(message);
  const close = [...message.matchAll(/^>>>[ \t]*$/gm)].pop();
  if (!open || !close || close.index <= open.index) {
    return { start: 0, end: message.length };
  }

  return { start: open.index + open[0].length, end: close.index };
}

function readLines(message: string, region: { start: number; end: number }, isDiff: boolean): Line[] {
  const lines: Line[] = [];
  let offset = region.start;
  let inDiff = false;

  for (const raw of message.slice(region.start, region.end).split('\n')) {
    const lineStart = offset;
    offset += raw.length + 1;

    const trimmed = raw.trim();
    if (!/[A-Za-z0-9]{2,}/.test(trimmed) || separatorLine.test(trimmed)) {
      continue;
    }

    // Once a diff has started, its code lines are not prose; the commit message before it is.
    inDiff = inDiff || (isDiff && metaLine.test(trimmed));
    if (metaLine.test(trimmed) || (inDiff && /^[+\- ]/.test(raw))) {
      lines.push({ text: trimmed, start: lineStart + raw.indexOf(trimmed), kind: 'meta' });
      continue;
    }

    const markers = listMarkers.exec(raw)?.[0] ?? '';
    const text = raw.slice(markers.length).trimEnd();
    const isHeading = /#\s/.test(markers) || (text.endsWith(':') && text.length <= 80 && !bulletLine.test(raw));
    const kind = isHeading ? 'heading' : bulletLine.test(raw) ? 'bullet' : 'text';
    lines.push({ text, start: lineStart + markers.length, kind });
  }

  return lines;
}

/** One unit per bullet when the document has bullets, as a list-maker would; otherwise one per sentence. */
function textUnits(lines: Line[]): Array<Unit | undefined> {
  const units: Array<Unit | undefined> = [];
  const hasBullets = lines.some((line) => line.kind === 'bullet');
  let section = '';

  for (const line of lines) {
    if (line.kind === 'heading') {
      section = line.text.replace(/:$/, '');
    } else if (line.kind === 'bullet') {
      units.push(quoteUnit(line.text, line.start, section));
    } else if (line.kind === 'text' && !hasBullets) {
      units.push(...sentencesOf(line).map((sentence) => quoteUnit(sentence.text, sentence.start, section)));
    }
  }

  return units;
}

function sentencesOf(line: Line): Array<{ text: string; start: number }> {
  const sentences: Array<{ text: string; start: number }> = [];
  let from = 0;

  for (const end of [...line.text.matchAll(/[.!?]\s+/g)].map((match) => match.index + match[0].length)) {
    sentences.push(piece(line, from, end));
    from = end;
  }
  sentences.push(piece(line, from, line.text.length));

  return sentences.filter((sentence) => /[A-Za-z0-9]{2,}/.test(sentence.text));
}

function piece(line: Line, from: number, to: number): { text: string; start: number } {
  const raw = line.text.slice(from, to);
  const text = raw.trim();
  return { text, start: line.start + from + raw.indexOf(text) };
}

/** A unit whose quote is `text` itself, cut to a sentence or a prefix when long: both stay verbatim. */
function quoteUnit(text: string, start: number, section: string): Unit | undefined {
  if (text.length === 0) {
    return undefined;
  }

  const sentence = /^.+?[.!?](?=\s|$)/.exec(text)?.[0];
  const quote = text.length <= maxQuoteChars ? text
    : sentence !== undefined && sentence.length <= maxQuoteChars ? sentence
      : text.slice(0, maxQuoteChars).trimEnd();

  return { text, quote, quoteStart: start, section };
}

/** A hunk's unit points at its most urgent added line, the one a reviewer would comment on. */
function hunkUnit(hunk: DiffHunk): Unit | undefined {
  const candidates = hunk.added.filter((line) => line.text.trim() !== '');
  const focus = mostUrgent(candidates) ?? hunk.removed.find((line) => line.text.trim() !== '');
  if (!focus) {
    return undefined;
  }

  const trimmed = focus.text.trim();
  const unit = quoteUnit(trimmed, focus.start + focus.text.indexOf(trimmed), hunk.file);
  const lastAdded = candidates[candidates.length - 1]?.line ?? focus.line;
  return unit && { ...unit, file: hunk.file, line: focus.line, endLine: Math.max(lastAdded, focus.line) };
}

function mostUrgent(lines: DiffLine[]): DiffLine | undefined {
  let best: DiffLine | undefined;
  for (const line of lines) {
    if (!best || urgencyOf(line.text) > urgencyOf(best.text)) {
      best = line;
    }
  }

  return best;
}

function titleOf(lines: Line[], isDiff: boolean, files: string[]): string {
  // A diff's title is its commit subject when one precedes the first file header.
  const firstMeta = lines.findIndex((line) => line.kind === 'meta');
  const before = lines.slice(0, isDiff && firstMeta >= 0 ? firstMeta : lines.length);
  const prose = before.filter((line) => line.kind !== 'meta');
  const first = prose[0]?.text.replace(/^(subject|title):\s*/i, '').replace(/^\[patch[^\]]*\]\s*/i, '');

  if (first !== undefined && first.length > 0) {
    return first.replace(/:$/, '');
  }

  if (isDiff) {
    return `Changes to ${files.length} file${files.length === 1 ? '' : 's'}: ${files.slice(0, 3).join(', ')}`;
  }

  return 'an empty input';
}

function summaryOf(lines: Line[], isDiff: boolean, files: string[], unitCount: number): string {
  if (isDiff) {
    const noun = unitCount === 1 ? 'change' : 'changes';
    return `${titleOf(lines, true, files)} (${unitCount} ${noun} in ${files.join(', ')})`;
  }

  const meaningful = lines.filter((line) => line.kind !== 'meta').slice(0, 2).map((line) => line.text);
  if (meaningful.length === 0) {
    return 'The input was empty.';
  }

  return meaningful.map((text) => (/[.!?:]$/.test(text) ? text : `${text}.`)).join(' ');
}

function pathsIn(text: string): string[] {
  return [...new Set(text.match(pathToken) ?? [])];
}

/** The most frequent content words, in order of first appearance among equals. */
function keywordsOf(text: string): string[] {
  const counts = new Map<string, number>();
  for (const word of wordsOf(text)) {
    if (word.length >= 4 && !stopWords.has(word) && !/^\d+$/.test(word)) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }

  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([word]) => word);
}

function itemLimitOf(instructions: string): number | undefined {
  const match = /at most (\d+) items/i.exec(instructions);
  return match ? Number(match[1]) : undefined;
}
