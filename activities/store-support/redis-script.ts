import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptArg = string | number;

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not know it yet (first use,
 * or after a restart or SCRIPT FLUSH). Redis runs each script as one atomic step.
 */
export interface RedisScript {
  run(keys: string[], args: ScriptArg[]): Promise<unknown>;
}

export function redisScript(redis: Redis, lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');

  return {
    async run(keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) {
          throw err;
        }
        return await redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}
