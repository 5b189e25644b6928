import type { RunningDevServer } from '../../workers/dev-server';
import type { RedisServer } from '../helpers/redis-server';

/** Global setup and teardown run in one process; this is how the server started by one reaches the other. */
const holder = globalThis as typeof globalThis & { __genaiDevServer?: RunningDevServer; __genaiRedis?: RedisServer };

export function setSharedRedis(server: RedisServer): void {
  holder.__genaiRedis = server;
}

export function takeSharedRedis(): RedisServer | undefined {
  const server = holder.__genaiRedis;
  holder.__genaiRedis = undefined;
  return server;
}

export function setSharedDevServer(server: RunningDevServer): void {
  holder.__genaiDevServer = server;
}

export function takeSharedDevServer(): RunningDevServer | undefined {
  const server = holder.__genaiDevServer;
  holder.__genaiDevServer = undefined;
  return server;
}
