/** Keyword rules that stand in for a model's judgement: how urgent a text is and what it is about. */

import { nameWords } from './text';

/** A case-insensitive match of any of the patterns as a whole word. */
function anyWord(...patterns: string[]): RegExp {
  return new RegExp(`\\b(${patterns.join('|')})\\b`, 'i');
}

const securityWords = anyWord('security', 'vulnerab\\w*', 'cve-\\d+', 'xss', 'csrf', 'injection', 'exploit\\w*',
  'secrets?', 'credentials?', 'passwords?');
const bugWords = anyWord('fix(es|ed)?', 'bugs?', 'crash\\w*', 'errors?', 'exceptions?', 'fail\\w*', 'broken',
  'regressions?', 'null', 'leak\\w*');
const riskWords = anyWord('todo', 'fixme', 'hack', 'deprecat\\w*', 'unsafe', 'eval', 'race', 'timeouts?', 'retry',
  'retries', 'locks?', 'breaking', 'remov\\w*');
const cosmeticWords = anyWord('typos?', 'whitespace', 'format\\w*', 'style', 'comments?', 'docs?', 'readme',
  'renam\\w*', 'wording');

/**
 * Urgency from 0 (cosmetic) to 4 (security). Security and bug words win over the rest, so a line that
 * fixes a crash counts as a bug even when it also mentions formatting.
 */
export function urgencyOf(text: string): number {
  if (securityWords.test(text)) {
    return 4;
  }

  if (bugWords.test(text)) {
    return 3;
  }

  if (riskWords.test(text)) {
    return 2;
  }

  return cosmeticWords.test(text) ? 0 : 1;
}

/** How urgent each common severity word is, on the same 0 to 4 scale as `urgencyOf`. */
const severityRanks: Record<string, number> = {
  critical: 4, blocker: 4, fatal: 4, urgent: 4,
  high: 3, error: 3, major: 3, severe: 3, important: 3,
  medium: 2, moderate: 2, warning: 2, warn: 2, normal: 2,
  low: 1, minor: 1, suggestion: 1,
  info: 0, informational: 0, note: 0, nit: 0, trivial: 0, none: 0,
};

export function severityRank(value: string): number | undefined {
  return severityRanks[value.toLowerCase()];
}

interface Category {
  names: string[];
  pattern: RegExp;
}

/** Topics a list or flag can be named after; items that do not mention the topic do not belong in it. */
const categories: Category[] = [
  {
    names: ['breaking', 'incompatible', 'incompatibility', 'incompatibilities'],
    pattern: /\b(break\w*|remov\w*|drop\w*|deprecat\w*|incompatib\w*|renamed|no longer)\b/i,
  },
  { names: ['security', 'vulnerability', 'vulnerabilities', 'cve', 'cves'], pattern: securityWords },
  { names: ['bug', 'bugs', 'fix', 'fixes', 'bugfix', 'bugfixes'], pattern: bugWords },
  { names: ['deprecation', 'deprecations', 'deprecated'], pattern: /deprecat/i },
  { names: ['feature', 'features', 'addition', 'additions'], pattern: /\b(add\w*|new|feature\w*|introduc\w*)\b/i },
  { names: ['performance', 'perf'], pattern: /\b(perf\w*|faster|speed\w*|latency|memory)\b/i },
];

/** The topic a property name refers to, e.g. `breaking_changes` or `isBreaking`; undefined for generic names. */
export function categoryOf(name: string): RegExp | undefined {
  const words = nameWords(name);
  return categories.find((category) => category.names.some((word) => words.includes(word)))?.pattern;
}
