import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { AppConfig } from '../common/config';
import { ProductError } from '../common/errors';
import { openRedisCacheStore } from './cache/redis-cache-store';
import { openSqliteCacheStore } from './cache/sqlite-cache-store';
import type { CacheStore } from './cache/types';
import { openRedisQuotaStore } from './quota/redis-quota-store';
import { openSqliteQuotaStore } from './quota/sqlite-quota-store';
import type { QuotaStore } from './quota/types';

export interface SharedStores {
  quotas: QuotaStore;
  cache: CacheStore;
  close(): Promise<void>;
}

/**
 * The state workers share: SQLite in the data folder by default (every worker process of one machine opens
 * the same file), Redis for a fleet.
 */
export function openSharedStores(config: AppConfig): SharedStores {
  if (config.store.kind === 'redis') {
    if (!config.store.redisUrl) {
      throw new ProductError('CONFIG_INVALID', { field: 'store.redisUrl',
        reason: 'required when store.kind is redis' });
    }
    // Commands queue while reconnecting instead of failing; a Redis restart delays calls, it does not fail them.
    const redis = new Redis(config.store.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    return {
      quotas: openRedisQuotaStore(redis, config.store.keyPrefix),
      cache: openRedisCacheStore(redis, config.store.keyPrefix),
      close: async () => {
        await redis.quit();
      },
    };
  }

  const path = config.store.sqlitePath ?? join(resolve(config.dataDir), 'state.sqlite');
  const quotas = openSqliteQuotaStore(path);
  const cache = openSqliteCacheStore(path);
  return {
    quotas,
    cache,
    close: async () => {
      await quotas.close();
      await cache.close();
    },
  };
}
