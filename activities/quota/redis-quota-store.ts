import type { Redis } from 'ioredis';
import {
  assertValidRequest,
  assertValidUsage,
  DAILY_RETENTION_MS,
  IN_FLIGHT_RETENTION_MS,
  MAX_CONCURRENCY_WAIT_MS,
  utcDay,
  WINDOW_MS,
} from './quota-rules';
import { finishLua, reserveLua } from './redis-quota-scripts';
import { redisScript } from '../store-support/redis-script';
import type { QuotaStore, ReservationOutcome, ReservationRequest } from './types';

/**
 * The fleet quota store: every worker of every machine counts in one Redis. Each operation is one Lua script,
 * so it is atomic; time comes from the caller, like the SQLite store, so both give the same answers.
 * The connection belongs to the caller, who may share it with other stores: `close` leaves it open.
 */
export function openRedisQuotaStore(redis: Redis, keyPrefix = 'genai:'): QuotaStore {
  const reserveScript = redisScript(redis, reserveLua);
  const finishScript = redisScript(redis, finishLua);
  const key = (...parts: string[]): string => `${keyPrefix}quota:${parts.join(':')}`;

  const finish = async (id: string, tokens: number, cost: number, state: 'settled' | 'released'): Promise<void> => {
    await finishScript.run([key('reservation', id)], [id, tokens, cost, state, keyPrefix, DAILY_RETENTION_MS]);
  };

  return {
    async reserve(request) {
      assertValidRequest(request);
      const { bucket, tenant, nowMs } = request;
      const day = utcDay(nowMs);

      const keys = [
        key('reservation', request.id),
        key('window', bucket),
        key('window-tokens', bucket),
        key('in-flight', bucket),
        key('daily', day, tenant),
      ];
      const reply = await reserveScript.run(keys, reserveArgs(request, day, keyPrefix));
      return outcomeOf(reply);
    },

    async settle(id, usage, nowMs) {
      assertValidUsage(usage, nowMs);
      await finish(id, usage.tokens, usage.costMicroUsd, 'settled');
    },

    async release(id) {
      await finish(id, 0, 0, 'released');
    },

    async dailyUsage(tenant, nowMs) {
      const [tokens, cost] = await redis.hmget(key('daily', utcDay(nowMs), tenant), 'tokens', 'cost');
      return { tokens: Number(tokens ?? 0), costMicroUsd: Number(cost ?? 0) };
    },

    close: () => Promise.resolve(),
  };
}

function reserveArgs(request: ReservationRequest, day: string, keyPrefix: string): (string | number)[] {
  const { limits, budget } = request;
  const optional = (value: number | undefined): string | number => value ?? '';

  return [
    request.id,
    request.bucket,
    request.tenant,
    request.tokens,
    request.estimatedCostMicroUsd,
    request.leaseMs,
    request.nowMs,
    day,
    optional(limits.requestsPerMinute),
    optional(limits.tokensPerMinute),
    optional(limits.maxConcurrent),
    optional(budget.tokens),
    optional(budget.costMicroUsd),
    keyPrefix,
    WINDOW_MS,
    MAX_CONCURRENCY_WAIT_MS,
    IN_FLIGHT_RETENTION_MS,
    DAILY_RETENTION_MS,
  ];
}

type Reply =
  | ['granted']
  | ['wait', 'requests' | 'tokens' | 'concurrency', number]
  | ['over_budget', 'tokens' | 'cost', number, number]
  | ['too_large', 'tokensPerMinute' | 'dailyTokens' | 'dailyCost', number, number];

function outcomeOf(raw: unknown): ReservationOutcome {
  const reply = raw as Reply;

  switch (reply[0]) {
    case 'granted':
      return { kind: 'granted' };
    case 'wait':
      return { kind: 'wait', reason: reply[1], retryAfterMs: reply[2] };
    case 'over_budget':
      return { kind: 'over_budget', budget: reply[1], used: reply[2], limit: reply[3] };
    case 'too_large':
      return { kind: 'too_large', limit: reply[1], requested: reply[2], max: reply[3] };
    default:
      throw new Error(`quota: unexpected reply from the reserve script: ${JSON.stringify(raw)}`);
  }
}
