import type { RunningDevServer } from '../../workers/dev-server';

/** Global setup and teardown run in one process; this is how the server started by one reaches the other. */
const holder = globalThis as typeof globalThis & { __genaiDevServer?: RunningDevServer };

export function setSharedDevServer(server: RunningDevServer): void {
  holder.__genaiDevServer = server;
}

export function takeSharedDevServer(): RunningDevServer | undefined {
  const server = holder.__genaiDevServer;
  holder.__genaiDevServer = undefined;
  return server;
}
