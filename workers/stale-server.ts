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

  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isOurServer(pid, dbFile)) {
    logger.warn({ pid }, 'stopping a Temporal dev server left running by an earlier run');
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid, 10_000);
  }
  rmSync(pidFile, { force: true });
}

export function writePidFile(pidFile: string, pid: number | undefined): void {
  if (pid) {
    writeFileSync(pidFile, String(pid));
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
