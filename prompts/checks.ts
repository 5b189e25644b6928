/** Checks shared by templates: plain functions over the request and the model's output. */

/** Flags each quote that does not appear in the source; whitespace runs compare as one space. */
export function quotesMissingFrom(source: string, quotes: string[]): string[] {
  const haystack = collapseWhitespace(source);
  return quotes
    .filter((quote) => !haystack.includes(collapseWhitespace(quote)))
    .map((quote) => `quote not found in the source: "${quote.slice(0, 80)}"`);
}

/** The paths a unified diff changes, read from its `+++ b/...` lines. */
export function filesChangedIn(diff: string): Set<string> {
  const files = new Set<string>();
  for (const match of diff.matchAll(/^\+\+\+ (?:b\/)?(.+)$/gm)) {
    const path = match[1]?.trim();
    if (path && path !== '/dev/null') {
      files.add(path);
    }
  }

  return files;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
