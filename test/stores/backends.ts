import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openRedisCacheStore } from '../../activities/cache/redis-cache-store';
import { openSqliteCacheStore } from '../../activities/cache/sqlite-cache-store';
import type { CacheStore } from '../../activities/cache/types';
import { openRedisQuotaStore } from '../../activities/quota/redis-quota-store';
import { openSqliteQuotaStore } from '../../activities/quota/sqlite-quota-store';
import type { QuotaStore } from '../../activities/quota/types';
import { type RedisServer, startRedisServer } from '../helpers/redis-server';

/** Where one test keeps its state; a child process opens the same place from this description. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; prefix: string };

/** One implementation under test: both run the same tests, each test in a fresh, empty location. */
export interface StoreBackend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  newLocation(): StoreLocation;
}

export function storeBackends(): StoreBackend[] {
  return [sqliteBackend(), redisBackend()];
}

function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let files = 0;

  return {
    name: 'SQLite',
    start: () => {
      dir = mkdtempSync(join(tmpdir(), 'genai-stores-'));
      return Promise.resolve();
    },
    stop: () => {
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
    newLocation: () => ({ kind: 'sqlite', path: join(started(dir), `store-${++files}.sqlite`) }),
  };
}

function redisBackend(): StoreBackend {
  let server: RedisServer | undefined;
  let prefixes = 0;

  return {
    name: 'Redis',
    start: async () => {
      server = await startRedisServer();
    },
    stop: async () => {
      await server?.stop();
    },
    newLocation: () => ({ kind: 'redis', url: started(server).url, prefix: `test-${++prefixes}:` }),
  };
}

function started<T>(resource: T | undefined): T {
  if (resource === undefined) {
    throw new Error('the store backend has not been started');
  }
  return resource;
}

/** A quota store whose `close` also closes the connection it opened. */
export function openQuotaStoreAt(location: StoreLocation): QuotaStore {
  if (location.kind === 'sqlite') {
    return openSqliteQuotaStore(location.path);
  }
  const redis = connect(location.url);
  return closingConnection(openRedisQuotaStore(redis, location.prefix), redis);
}

/** A cache store whose `close` also closes the connection it opened. */
export function openCacheStoreAt(location: StoreLocation): CacheStore {
  if (location.kind === 'sqlite') {
    return openSqliteCacheStore(location.path);
  }
  const redis = connect(location.url);
  return closingConnection(openRedisCacheStore(redis, location.prefix), redis);
}

function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

function closingConnection<S extends { close(): Promise<void> }>(store: S, redis: Redis): S {
  return {
    ...store,
    close: async () => {
      await store.close();
      await redis.quit();
    },
  };
}
