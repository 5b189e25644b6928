import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Logger } from '../common/logger';

/**
 * The newest CLI tag `go install` accepts (later tags carry a `replace` directive). It holds the dev server
 * (Temporal server 1.29.1) and the Web UI.
 */
const cliModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export const projectRoot = resolve(__dirname, '..');
const toolsBin = join(projectRoot, '.tools', 'bin');

/**
 * Finds the Temporal CLI: `TEMPORAL_CLI_PATH`, then `temporal` on PATH, then the project's tools folder.
 * When none exists it is built from the Go module proxy into the tools folder and reused on later runs.
 */
export function ensureTemporalCli(logger: Logger, env: NodeJS.ProcessEnv = process.env,
  announce: (message: string) => void = () => undefined): string {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) {
      throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
    }
    return env.TEMPORAL_CLI_PATH;
  }

  const candidates = [
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'temporal')),
    join(toolsBin, 'temporal'),
  ];
  const found = candidates.find(isExecutable);
  if (found) {
    return found;
  }

  announce('Building the Temporal CLI from the Go module proxy (first run only, a few minutes) ...');
  buildTemporalCli(logger, env);
  return join(toolsBin, 'temporal');
}

function buildTemporalCli(logger: Logger, env: NodeJS.ProcessEnv): void {
  mkdirSync(toolsBin, { recursive: true });
  logger.info({ module: cliModule, into: toolsBin },
    'building the Temporal CLI from the Go module proxy; the first build takes a few minutes');

  // No cgo: the CLI's SQLite driver is pure Go, and a static binary runs on any of these machines.
  const build = spawnSync('go', ['install', '-ldflags', '-s -w', cliModule], {
    env: { ...env, CGO_ENABLED: '0', GOBIN: toolsBin },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.error || build.status !== 0) {
    const reason = build.error?.message ?? `go install exited with ${build.status}`;
    throw new Error(`could not build the Temporal CLI (${reason}); install Go >= 1.25 or set TEMPORAL_CLI_PATH`);
  }

  logger.info({ path: join(toolsBin, 'temporal') }, 'Temporal CLI built');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
