import type { Redis } from 'ioredis';
import { redisScript } from '../store-support/redis-script';
import { claimLua, releaseClaimLua, setLua } from './redis-cache-scripts';
import type { CacheStore } from './types';

/**
 * The fleet result cache in Redis. Expiry and leases follow the caller's `nowMs`, like the SQLite store.
 * The connection belongs to the caller, who may share it with other stores: `close` leaves it open.
 */
export function openRedisCacheStore(redis: Redis, keyPrefix = 'genai:'): CacheStore {
  const setScript = redisScript(redis, setLua);
  const claimScript = redisScript(redis, claimLua);
  const releaseScript = redisScript(redis, releaseClaimLua);
  const valueKey = (key: string): string => `${keyPrefix}cache:value:${key}`;
  const claimKey = (key: string): string => `${keyPrefix}cache:claim:${key}`;

  return {
    async get(key, nowMs) {
      const [value, expiresAt] = await redis.hmget(valueKey(key), 'value', 'expiresAt');
      return value !== null && Number(expiresAt) > nowMs ? value : undefined;
    },

    async set(key, value, ttlMs, nowMs) {
      await setScript.run([valueKey(key), claimKey(key)], [value, nowMs + ttlMs, ttlMs]);
    },

    async claim(key, owner, leaseMs, nowMs) {
      return (await claimScript.run([claimKey(key)], [owner, nowMs, leaseMs])) === 1;
    },

    async releaseClaim(key, owner) {
      await releaseScript.run([claimKey(key)], [owner]);
    },

    close: () => Promise.resolve(),
  };
}
