import {
  assertValidRequest,
  assertValidUsage,
  concurrencyWaitMs,
  DAILY_RETENTION_MS,
  IN_FLIGHT_RETENTION_MS,
  requestWaitMs,
  tokenWaitMs,
  tooLarge,
  utcDay,
  WINDOW_MS,
} from './quota-rules';
import { asPromise, openSharedSqlite } from '../store-support/sqlite-database';
import { type FinalState, prepareQuotaStatements, type QuotaStatements } from './sqlite-quota-schema';
import type { ActualUsage, QuotaStore, ReservationOutcome, ReservationRequest } from './types';

/**
 * The embedded quota store: one SQLite file that the workers of one machine share. Every operation is a
 * `BEGIN IMMEDIATE` transaction, which takes the file's write lock before reading, so two processes never
 * decide on the same counts.
 */
export function openSqliteQuotaStore(path: string): QuotaStore {
  const db = openSharedSqlite(path);
  const sql = prepareQuotaStatements(db);

  const reserve = db.transaction((request: ReservationRequest) => reserveNow(sql, request));
  const finish = db.transaction(
    (id: string, usage: ActualUsage, state: FinalState) => finishNow(sql, id, usage, state),
  );

  return {
    reserve: (request) => asPromise(() => {
      assertValidRequest(request);
      return reserve.immediate(request);
    }),
    settle: (id, usage, nowMs) => asPromise(() => {
      assertValidUsage(usage, nowMs);
      finish.immediate(id, usage, 'settled');
    }),
    // The provider charged nothing: the request stays in the window with no tokens and no cost.
    release: (id) => asPromise(() => finish.immediate(id, { tokens: 0, costMicroUsd: 0 }, 'released')),
    dailyUsage: (tenant, nowMs) => asPromise(() => {
      const totals = sql.daily.get(tenant, utcDay(nowMs));
      return { tokens: totals?.tokens ?? 0, costMicroUsd: totals?.cost ?? 0 };
    }),
    close: () => asPromise(() => {
      db.close();
    }),
  };
}

function reserveNow(sql: QuotaStatements, request: ReservationRequest): ReservationOutcome {
  const { id, bucket, tenant, tokens, nowMs } = request;
  const cost = request.estimatedCostMicroUsd;
  const day = utcDay(nowMs);

  sql.prune.run(nowMs - WINDOW_MS, nowMs - IN_FLIGHT_RETENTION_MS);
  sql.pruneDaily.run(utcDay(nowMs - DAILY_RETENTION_MS));

  // A retried activity reserves again under the same id; it already holds what it asked for.
  if (sql.exists.get(id)) {
    return { kind: 'granted' };
  }

  const refusal = tooLarge(request) ?? overBudget(sql, request, day) ?? rateLimited(sql, request);
  if (refusal) {
    return refusal;
  }

  sql.insert.run({ id, bucket, tenant, atMs: nowMs, tokens, cost, leaseUntil: nowMs + request.leaseMs });
  sql.addDaily.run(tenant, day, tokens, cost);
  return { kind: 'granted' };
}

function overBudget(sql: QuotaStatements, request: ReservationRequest, day: string): ReservationOutcome | undefined {
  const { budget, tokens, estimatedCostMicroUsd: cost } = request;
  const used = sql.daily.get(request.tenant, day) ?? { tokens: 0, cost: 0 };

  if (budget.tokens !== undefined && used.tokens + tokens > budget.tokens) {
    return { kind: 'over_budget', budget: 'tokens', used: used.tokens, limit: budget.tokens };
  }
  if (budget.costMicroUsd !== undefined && used.cost + cost > budget.costMicroUsd) {
    return { kind: 'over_budget', budget: 'cost', used: used.cost, limit: budget.costMicroUsd };
  }
  return undefined;
}

function rateLimited(sql: QuotaStatements, request: ReservationRequest): ReservationOutcome | undefined {
  const { bucket, limits, nowMs } = request;
  const windowStart = nowMs - WINDOW_MS;

  if (limits.maxConcurrent !== undefined) {
    const slots = sql.slots.get(bucket, nowMs) ?? { held: 0, earliest: null };
    if (slots.held >= limits.maxConcurrent) {
      return { kind: 'wait', reason: 'concurrency', retryAfterMs: concurrencyWaitMs(slots.earliest, nowMs) };
    }
  }

  if (limits.requestsPerMinute !== undefined) {
    const requests = sql.requests.get(bucket, windowStart) ?? { count: 0, oldest: null };
    if (requests.count >= limits.requestsPerMinute) {
      return { kind: 'wait', reason: 'requests', retryAfterMs: requestWaitMs(requests.oldest, nowMs) };
    }
  }

  if (limits.tokensPerMinute !== undefined) {
    const entries = sql.windowTokens.all(bucket, windowStart);
    const retryAfterMs = tokenWaitMs(entries, request.tokens, limits.tokensPerMinute, nowMs);
    if (retryAfterMs !== undefined) {
      return { kind: 'wait', reason: 'tokens', retryAfterMs };
    }
  }
  return undefined;
}

/**
 * The estimate is replaced by what the provider counted, in the window and on the day the reservation was
 * charged to, and the slot is freed. Unknown and finished reservations are left alone.
 */
function finishNow(sql: QuotaStatements, id: string, usage: ActualUsage, state: FinalState): void {
  const row = sql.inFlightRow.get(id);
  if (!row) {
    return;
  }

  sql.addDaily.run(row.tenant, utcDay(row.at_ms), usage.tokens - row.tokens, usage.costMicroUsd - row.cost);
  sql.finish.run({ id, tokens: usage.tokens, cost: usage.costMicroUsd, state });
}
