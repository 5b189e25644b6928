import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Logger } from '../common/logger';

/**
 * A dev server outlives a main job killed with SIGKILL. Its pid file lets the next start stop exactly that
 * server (same binary, same database file) instead of silently talking to it or failing to bind.
 */
export async function stopStaleDevServer(pidFile: string, dbFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) {
    return;
  }

  const [pid = 0, owner = 0] = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
  if (owner > 0 && owner !== process.pid && isAlive(owner) && isAlive(pid)) {
    // The server belongs to a run that is still alive: stopping it would pull Temporal from under that run.
    throw new Error(`${dbFile} is in use by a running process (pid ${owner}); stop it first, or give this run ` +
      'another data folder');
  }
  if (Number.isInteger(pid) && pid > 0 && isOurServer(pid, dbFile)) {
    logger.warn({ pid }, 'stopping a Temporal dev server left running by an earlier run');
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid, 10_000);
  }
  rmSync(pidFile, { force: true });
}

/** Records the server's pid and its owner's (this process), so a later start can tell stale from busy. */
export function writePidFile(pidFile: string, pid: number | undefined): void {
  if (pid) {
    writeFileSync(pidFile, `${pid} ${process.pid}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Fails with a clear message when something else already listens on the port. */
export function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', () => reject(new Error(
      `port ${port} on ${host} is already in use; stop what holds it or choose another port with TEMPORAL_DEV_PORT ` +
      'and TEMPORAL_UI_PORT')));
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

function isOurServer(pid: number, dbFile: string): boolean {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine.includes('start-dev') && commandLine.includes(dbFile);
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  process.kill(pid, 'SIGKILL');
}
