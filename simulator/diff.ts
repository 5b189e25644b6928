/** Reads unified diffs well enough to point at real files and new-version line numbers. */

/** One added or removed line, with where its text starts in the whole document (for verbatim quotes). */
export interface DiffLine {
  text: string;
  /** Line number in the new version of the file; for a removed line, where the removal happened. */
  line: number;
  start: number;
}

export interface DiffHunk {
  file: string;
  newStart: number;
  added: DiffLine[];
  removed: DiffLine[];
}

export interface ParsedDiff {
  files: string[];
  hunks: DiffHunk[];
}

const hunkHeader = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

interface HunkState {
  hunk: DiffHunk;
  oldLeft: number;
  newLeft: number;
  nextLine: number;
}

/** Parses every file and hunk; text that is not part of a diff is skipped. */
export function parseDiff(document: string): ParsedDiff {
  const files: string[] = [];
  const hunks: DiffHunk[] = [];
  let file = '';
  let state: HunkState | undefined;
  let offset = 0;

  for (const raw of document.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineStart = offset;
    offset += raw.length + 1;

    // Inside a hunk the header counts say which lines belong to it, so a removed "--- x" line is not a header;
    // a new hunk or file header still ends it, in case the counts of a hand-edited diff are wrong.
    const startsSection = hunkHeader.test(line) || line.startsWith('diff --git ');
    if (state && (state.oldLeft > 0 || state.newLeft > 0) && !startsSection) {
      readHunkLine(state, line, lineStart);
      continue;
    }

    state = undefined;
    const header = hunkHeader.exec(line);
    if (header && file !== '') {
      const newStart = Number(header[2]);
      const hunk: DiffHunk = { file, newStart, added: [], removed: [] };
      hunks.push(hunk);
      state = { hunk, oldLeft: countOf(header[1]), newLeft: countOf(header[3]), nextLine: newStart };
      continue;
    }

    const target = /^\+\+\+ (?:b\/)?(.+)$/.exec(line);
    if (target?.[1] !== undefined && target[1].trim() !== '/dev/null') {
      file = target[1].trim();
      if (!files.includes(file)) {
        files.push(file);
      }
    }
  }

  return { files, hunks };
}

function countOf(text: string | undefined): number {
  return text === undefined ? 1 : Number(text);
}

function readHunkLine(state: HunkState, line: string, lineStart: number): void {
  const marker = line.charAt(0);

  if (marker === '+') {
    state.hunk.added.push({ text: line.slice(1), line: state.nextLine, start: lineStart + 1 });
    state.nextLine += 1;
    state.newLeft -= 1;
    return;
  }

  if (marker === '-') {
    state.hunk.removed.push({ text: line.slice(1), line: state.nextLine, start: lineStart + 1 });
    state.oldLeft -= 1;
    return;
  }

  // "\ No newline at end of file" belongs to neither version.
  if (marker === '\\') {
    return;
  }

  // Context line; some tools strip the leading space of empty context lines.
  state.nextLine += 1;
  state.oldLeft -= 1;
  state.newLeft -= 1;
}
