import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartGenerationRequest } from '../common/request-schema';
import { projectRoot } from './temporal-cli';

/** A bundled example: a request built from text already on this machine, and where that text came from. */
export interface ExampleRequest {
  name: string;
  source: string;
  request: StartGenerationRequest;
}

const largestDiffBytes = 60_000;

/** Debian's git package installs git's release notes; the newest feature release is the richest input. */
export function findReleaseNotes(): { path: string; text: string } {
  const listed = safeExec('dpkg', ['-L', 'git']).split('\n').filter((path) => /\/RelNotes\/[\d.]+\.txt$/.test(path));
  const newestFeatureRelease = listed
    .filter((path) => /\/\d+\.\d+\.0\.txt$/.test(path))
    .sort(compareVersionPaths)
    .pop();
  if (newestFeatureRelease && existsSync(newestFeatureRelease)) {
    return { path: newestFeatureRelease, text: readFileSync(newestFeatureRelease, 'utf8') };
  }

  return findNpmReadme();
}

/** Fallback when git's docs are missing: the README of an installed npm package (a real document too). */
function findNpmReadme(): { path: string; text: string } {
  for (const name of ['fastify', 'pino', 'zod', 'openai']) {
    const folder = join(projectRoot, 'node_modules', name);
    const readme = existsSync(folder) ? readdirSync(folder).find((file) => /^readme\.md$/i.test(file)) : undefined;
    if (readme) {
      return { path: join(folder, readme), text: readFileSync(join(folder, readme), 'utf8') };
    }
  }

  throw new Error('no release notes found: install Debian\'s git package or run npm install first');
}

/** Generated files say nothing a reviewer can act on and would crowd out the code. */
const generatedPaths = [':(exclude)package-lock.json', ':(exclude)test/histories'];

/**
 * A diff from this repository's own history: the newest commit's patch, whole files at a time up to a size a
 * reviewer reads in one go. Taken at run time, so it is whatever the history holds on this machine.
 */
export function findRecentDiff(repo = projectRoot): { commit: string; text: string } {
  const commits = safeExec('git', ['-C', repo, 'log', '--format=%H', '-n', '20', '--no-merges']).split('\n')
    .filter(Boolean);

  for (const commit of commits) {
    const patch = safeExec('git', ['-C', repo, 'show', '--format=', '--patch', '--no-color', commit, '--',
      '.', ...generatedPaths]);
    const text = firstFilesWithin(patch, largestDiffBytes);
    if (text.length > 0) {
      return { commit, text };
    }
  }

  throw new Error(`no commit found in ${repo}; the diff example needs a git clone with history`);
}

/** Keeps whole per-file sections of a patch while they fit, so every hunk shown is complete. */
function firstFilesWithin(patch: string, limit: number): string {
  const sections = patch.split(/^(?=diff --git )/m).filter((section) => section.startsWith('diff --git '));
  let text = '';
  for (const section of sections) {
    if (text.length + section.length > limit) {
      break;
    }
    text += section;
  }

  return text;
}

export function buildExampleRequests(): ExampleRequest[] {
  const notes = findReleaseNotes();
  const diff = findRecentDiff();
  const stamp = Date.now().toString(36);

  return [
    {
      name: 'release digest',
      source: notes.path,
      request: {
        tenant: 'example',
        templateId: 'release-digest',
        idempotencyKey: `release-digest-${stamp}`,
        input: { document: notes.text, product: 'git', length: 'short' },
      },
    },
    {
      name: 'diff review',
      source: `git commit ${diff.commit.slice(0, 12)} of this repository`,
      request: {
        tenant: 'example',
        templateId: 'diff-review',
        idempotencyKey: `diff-review-${stamp}`,
        input: { diff: diff.text, focus: 'all' },
        review: { policy: 'always' },
      },
    },
  ];
}

function safeExec(command: string, args: string[]): string {
  try {
    return execFileSync(command, args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function compareVersionPaths(a: string, b: string): number {
  const version = (path: string) => (path.match(/([\d.]+)\.txt$/)?.[1] ?? '0').split('.').map(Number);
  const [left, right] = [version(a), version(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }

  return 0;
}
