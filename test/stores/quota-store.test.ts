import { WINDOW_MS } from '../../activities/quota/quota-rules';
import type { QuotaStore, ReservationRequest } from '../../activities/quota/types';
import { openQuotaStoreAt, type StoreLocation, storeBackends } from './backends';
import { runReserveWorkers } from './reserve-workers';

const T0 = Date.UTC(2025, 5, 2, 12, 0, 0);
const SECOND = 1_000;

let ids = 0;

function request(overrides: Partial<ReservationRequest> = {}): ReservationRequest {
  return {
    id: `reservation-${++ids}`,
    bucket: 'simulator/model-a',
    limits: {},
    tenant: 'acme',
    budget: {},
    tokens: 100,
    estimatedCostMicroUsd: 50,
    leaseMs: 30 * SECOND,
    nowMs: T0,
    ...overrides,
  };
}

describe.each(storeBackends())('$name quota store', (backend) => {
  let location: StoreLocation;
  let store: QuotaStore;

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  beforeEach(() => {
    location = backend.newLocation();
    store = openQuotaStoreAt(location);
  });
  afterEach(() => store.close());

  describe('reserve', () => {
    it('grants a reservation within every limit and charges it to the tenant for the day', async () => {
      const limits = { requestsPerMinute: 10, tokensPerMinute: 1_000, maxConcurrent: 2 };
      const budget = { tokens: 10_000, costMicroUsd: 10_000 };

      await expect(store.reserve(request({ limits, budget }))).resolves.toEqual({ kind: 'granted' });
      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 100, costMicroUsd: 50 });
    });

    it('grants an id that is reserved again without counting it twice', async () => {
      const limits = { requestsPerMinute: 1 };
      await store.reserve(request({ id: 'retried', limits }));

      await expect(store.reserve(request({ id: 'retried', limits, nowMs: T0 + SECOND })))
        .resolves.toEqual({ kind: 'granted' });
      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 100, costMicroUsd: 50 });
      await expect(store.reserve(request({ limits }))).resolves.toMatchObject({ kind: 'wait', reason: 'requests' });
    });

    it('refuses a request larger than tokensPerMinute as too large', async () => {
      const outcome = await store.reserve(request({ tokens: 1_001, limits: { tokensPerMinute: 1_000 } }));

      expect(outcome).toEqual({ kind: 'too_large', limit: 'tokensPerMinute', requested: 1_001, max: 1_000 });
    });

    it('refuses a request larger than the daily token budget as too large', async () => {
      const outcome = await store.reserve(request({ tokens: 501, budget: { tokens: 500 } }));

      expect(outcome).toEqual({ kind: 'too_large', limit: 'dailyTokens', requested: 501, max: 500 });
    });

    it('refuses a request costlier than the daily cost budget as too large', async () => {
      const outcome = await store.reserve(request({ estimatedCostMicroUsd: 2_000, budget: { costMicroUsd: 1_999 } }));

      expect(outcome).toEqual({ kind: 'too_large', limit: 'dailyCost', requested: 2_000, max: 1_999 });
    });

    it('reports a request too large for the rate limit before one too large for the budget', async () => {
      const outcome = await store.reserve(request({
        tokens: 5_000,
        limits: { tokensPerMinute: 1_000 },
        budget: { tokens: 2_000 },
      }));

      expect(outcome).toMatchObject({ kind: 'too_large', limit: 'tokensPerMinute' });
    });

    it('refuses a request that would take the tenant past its daily token budget', async () => {
      const budget = { tokens: 1_000 };
      await store.reserve(request({ tokens: 700, budget }));

      const outcome = await store.reserve(request({ tokens: 301, budget }));

      expect(outcome).toEqual({ kind: 'over_budget', budget: 'tokens', used: 700, limit: 1_000 });
    });

    it('refuses a request that would take the tenant past its daily cost budget', async () => {
      const budget = { costMicroUsd: 1_000 };
      await store.reserve(request({ estimatedCostMicroUsd: 600, budget }));

      const outcome = await store.reserve(request({ estimatedCostMicroUsd: 401, budget }));

      expect(outcome).toEqual({ kind: 'over_budget', budget: 'cost', used: 600, limit: 1_000 });
    });

    it('admits a request that uses the daily budget exactly', async () => {
      const budget = { tokens: 1_000, costMicroUsd: 100 };
      await store.reserve(request({ tokens: 700, estimatedCostMicroUsd: 60, budget }));

      await expect(store.reserve(request({ tokens: 300, estimatedCostMicroUsd: 40, budget })))
        .resolves.toEqual({ kind: 'granted' });
    });

    it('keeps one tenant\'s usage out of another tenant\'s budget', async () => {
      const budget = { tokens: 1_000 };
      await store.reserve(request({ tenant: 'acme', tokens: 1_000, budget }));

      await expect(store.reserve(request({ tenant: 'globex', tokens: 1_000, budget })))
        .resolves.toEqual({ kind: 'granted' });
    });

    it('reports an exhausted budget before a full rate window', async () => {
      const limits = { requestsPerMinute: 1 };
      const budget = { tokens: 150 };
      await store.reserve(request({ limits, budget }));

      await expect(store.reserve(request({ limits, budget }))).resolves.toMatchObject({ kind: 'over_budget' });
    });

    it('makes a caller wait for a concurrency slot until the earliest lease runs out', async () => {
      const limits = { maxConcurrent: 2 };
      await store.reserve(request({ limits, leaseMs: 500 }));
      await store.reserve(request({ limits, leaseMs: 800, nowMs: T0 + 100 }));

      const outcome = await store.reserve(request({ limits, nowMs: T0 + 200 }));

      expect(outcome).toEqual({ kind: 'wait', reason: 'concurrency', retryAfterMs: 300 });
    });

    it('caps a concurrency wait at one second because slots usually free on settle', async () => {
      const limits = { maxConcurrent: 1 };
      await store.reserve(request({ limits, leaseMs: 60 * SECOND }));

      const outcome = await store.reserve(request({ limits, nowMs: T0 + SECOND }));

      expect(outcome).toEqual({ kind: 'wait', reason: 'concurrency', retryAfterMs: 1_000 });
    });

    it('gives the slot of an expired lease to the next caller', async () => {
      const limits = { maxConcurrent: 1 };
      await store.reserve(request({ limits, leaseMs: 500 }));

      await expect(store.reserve(request({ limits, nowMs: T0 + 500 }))).resolves.toEqual({ kind: 'granted' });
    });

    it('counts concurrency per bucket', async () => {
      const limits = { maxConcurrent: 1 };
      await store.reserve(request({ limits, bucket: 'simulator/model-a' }));

      await expect(store.reserve(request({ limits, bucket: 'simulator/model-b' })))
        .resolves.toEqual({ kind: 'granted' });
    });

    it('makes a caller wait until the oldest request of a full request window is a window old', async () => {
      const limits = { requestsPerMinute: 2 };
      await store.reserve(request({ limits }));
      await store.reserve(request({ limits, nowMs: T0 + 10 * SECOND }));

      const outcome = await store.reserve(request({ limits, nowMs: T0 + 25 * SECOND }));

      expect(outcome).toEqual({ kind: 'wait', reason: 'requests', retryAfterMs: WINDOW_MS - 25 * SECOND });
    });

    it('admits a request once the oldest one has left the request window', async () => {
      const limits = { requestsPerMinute: 2 };
      await store.reserve(request({ limits }));
      await store.reserve(request({ limits, nowMs: T0 + 10 * SECOND }));

      await expect(store.reserve(request({ limits, nowMs: T0 + WINDOW_MS }))).resolves.toEqual({ kind: 'granted' });
    });

    it('makes a caller wait until the oldest tokens leave a full token window', async () => {
      const limits = { tokensPerMinute: 1_000 };
      await store.reserve(request({ limits, tokens: 400 }));
      await store.reserve(request({ limits, tokens: 300, nowMs: T0 + 10 * SECOND }));
      await store.reserve(request({ limits, tokens: 200, nowMs: T0 + 20 * SECOND }));

      const outcome = await store.reserve(request({ limits, tokens: 500, nowMs: T0 + 30 * SECOND }));

      expect(outcome).toEqual({ kind: 'wait', reason: 'tokens', retryAfterMs: WINDOW_MS - 30 * SECOND });
    });

    it('makes a caller wait until as many old entries have left the token window as it needs room for', async () => {
      const limits = { tokensPerMinute: 1_000 };
      await store.reserve(request({ limits, tokens: 400 }));
      await store.reserve(request({ limits, tokens: 300, nowMs: T0 + 10 * SECOND }));
      await store.reserve(request({ limits, tokens: 200, nowMs: T0 + 20 * SECOND }));

      const outcome = await store.reserve(request({ limits, tokens: 800, nowMs: T0 + 30 * SECOND }));

      expect(outcome).toEqual({ kind: 'wait', reason: 'tokens', retryAfterMs: WINDOW_MS - 20 * SECOND });
    });

    it('admits tokens that fill the token window exactly', async () => {
      const limits = { tokensPerMinute: 1_000 };
      await store.reserve(request({ limits, tokens: 600 }));

      await expect(store.reserve(request({ limits, tokens: 400 }))).resolves.toEqual({ kind: 'granted' });
    });

    it('checks concurrency before the request window', async () => {
      const limits = { maxConcurrent: 1, requestsPerMinute: 1 };
      await store.reserve(request({ limits }));

      await expect(store.reserve(request({ limits }))).resolves.toMatchObject({ kind: 'wait', reason: 'concurrency' });
    });

    it('checks the request window before the token window', async () => {
      const limits = { requestsPerMinute: 1, tokensPerMinute: 100 };
      await store.reserve(request({ limits }));

      await expect(store.reserve(request({ limits }))).resolves.toMatchObject({ kind: 'wait', reason: 'requests' });
    });

    it('charges a reservation to the UTC day it was made on', async () => {
      const lastMillisecond = Date.UTC(2025, 5, 2, 23, 59, 59, 999);
      await store.reserve(request({ nowMs: lastMillisecond }));
      await store.reserve(request({ nowMs: lastMillisecond + 1, tokens: 7, estimatedCostMicroUsd: 3 }));

      const firstDay = Date.UTC(2025, 5, 2);
      const secondDay = Date.UTC(2025, 5, 3, 12);
      await expect(store.dailyUsage('acme', firstDay)).resolves.toEqual({ tokens: 100, costMicroUsd: 50 });
      await expect(store.dailyUsage('acme', secondDay)).resolves.toEqual({ tokens: 7, costMicroUsd: 3 });
    });

    it('starts a fresh daily budget at midnight UTC', async () => {
      const budget = { tokens: 1_000 };
      await store.reserve(request({ tokens: 800, budget, nowMs: Date.UTC(2025, 5, 2, 23) }));

      const nextDay = Date.UTC(2025, 5, 3, 1);
      await expect(store.reserve(request({ tokens: 800, budget, nowMs: nextDay })))
        .resolves.toEqual({ kind: 'granted' });
    });
  });

  describe('settle', () => {
    it('charges the tenant the actual tokens and cost instead of the estimate', async () => {
      await store.reserve(request({ id: 'call', tokens: 1_000, estimatedCostMicroUsd: 500 }));

      await store.settle('call', { tokens: 300, costMicroUsd: 120 }, T0 + SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 300, costMicroUsd: 120 });
    });

    it('puts the actual tokens in the token window in place of the estimate', async () => {
      const limits = { tokensPerMinute: 1_000 };
      await store.reserve(request({ id: 'call', limits, tokens: 900 }));

      await store.settle('call', { tokens: 100, costMicroUsd: 50 }, T0 + SECOND);

      await expect(store.reserve(request({ limits, tokens: 900, nowMs: T0 + SECOND })))
        .resolves.toEqual({ kind: 'granted' });
    });

    it('frees the concurrency slot', async () => {
      const limits = { maxConcurrent: 1 };
      await store.reserve(request({ id: 'call', limits }));

      await store.settle('call', { tokens: 100, costMicroUsd: 50 }, T0 + SECOND);

      await expect(store.reserve(request({ limits, nowMs: T0 + SECOND }))).resolves.toEqual({ kind: 'granted' });
    });

    it('keeps a settled request counted in the request window', async () => {
      const limits = { requestsPerMinute: 1 };
      await store.reserve(request({ id: 'call', limits }));

      await store.settle('call', { tokens: 100, costMicroUsd: 50 }, T0 + SECOND);

      await expect(store.reserve(request({ limits, nowMs: T0 + SECOND })))
        .resolves.toEqual({ kind: 'wait', reason: 'requests', retryAfterMs: WINDOW_MS - SECOND });
    });

    it('settles a reservation only once', async () => {
      await store.reserve(request({ id: 'call' }));

      await store.settle('call', { tokens: 300, costMicroUsd: 120 }, T0 + SECOND);
      await store.settle('call', { tokens: 900, costMicroUsd: 400 }, T0 + 2 * SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 300, costMicroUsd: 120 });
    });

    it('ignores an unknown id', async () => {
      await store.settle('never-reserved', { tokens: 300, costMicroUsd: 120 }, T0);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 0, costMicroUsd: 0 });
    });

    it('corrects the day the reservation was charged to when it settles after midnight', async () => {
      const beforeMidnight = Date.UTC(2025, 5, 2, 23, 59, 30);
      const afterMidnight = Date.UTC(2025, 5, 3, 0, 0, 30);
      await store.reserve(request({ id: 'call', nowMs: beforeMidnight }));

      await store.settle('call', { tokens: 40, costMicroUsd: 20 }, afterMidnight);

      await expect(store.dailyUsage('acme', beforeMidnight)).resolves.toEqual({ tokens: 40, costMicroUsd: 20 });
      await expect(store.dailyUsage('acme', afterMidnight)).resolves.toEqual({ tokens: 0, costMicroUsd: 0 });
    });

    it('corrects a reservation still in flight after its window entry has expired', async () => {
      await store.reserve(request({ id: 'long-call', leaseMs: 5 * 60 * SECOND }));
      await store.reserve(request({ nowMs: T0 + 2 * 60 * SECOND }));

      await store.settle('long-call', { tokens: 10, costMicroUsd: 5 }, T0 + 3 * 60 * SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 110, costMicroUsd: 55 });
    });
  });

  describe('release', () => {
    it('frees the concurrency slot', async () => {
      const limits = { maxConcurrent: 1 };
      await store.reserve(request({ id: 'call', limits }));

      await store.release('call', T0 + SECOND);

      await expect(store.reserve(request({ limits, nowMs: T0 + SECOND }))).resolves.toEqual({ kind: 'granted' });
    });

    it('refunds the estimated tokens and cost to the tenant', async () => {
      await store.reserve(request({ tokens: 40, estimatedCostMicroUsd: 20 }));
      await store.reserve(request({ id: 'call', tokens: 1_000, estimatedCostMicroUsd: 500 }));

      await store.release('call', T0 + SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 40, costMicroUsd: 20 });
    });

    it('takes the estimate out of the token window', async () => {
      const limits = { tokensPerMinute: 1_000 };
      await store.reserve(request({ id: 'call', limits, tokens: 900 }));

      await store.release('call', T0 + SECOND);

      await expect(store.reserve(request({ limits, tokens: 1_000, nowMs: T0 + SECOND })))
        .resolves.toEqual({ kind: 'granted' });
    });

    it('keeps the released request counted in the request window', async () => {
      const limits = { requestsPerMinute: 1 };
      await store.reserve(request({ id: 'call', limits }));

      await store.release('call', T0 + SECOND);

      await expect(store.reserve(request({ limits, nowMs: T0 + SECOND })))
        .resolves.toEqual({ kind: 'wait', reason: 'requests', retryAfterMs: WINDOW_MS - SECOND });
    });

    it('refunds a reservation only once', async () => {
      await store.reserve(request({ tokens: 40, estimatedCostMicroUsd: 20 }));
      await store.reserve(request({ id: 'call' }));

      await store.release('call', T0 + SECOND);
      await store.release('call', T0 + 2 * SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 40, costMicroUsd: 20 });
    });

    it('does nothing after the reservation has been settled', async () => {
      await store.reserve(request({ id: 'call' }));
      await store.settle('call', { tokens: 30, costMicroUsd: 10 }, T0 + SECOND);

      await store.release('call', T0 + 2 * SECOND);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 30, costMicroUsd: 10 });
    });

    it('ignores an unknown id', async () => {
      await store.reserve(request());

      await store.release('never-reserved', T0);

      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 100, costMicroUsd: 50 });
    });
  });

  describe('across processes', () => {
    it('grants exactly requestsPerMinute reservations to three processes reserving at the same moment', async () => {
      // Each worker gives every attempt its own id.
      const shared: Omit<ReservationRequest, 'id'> = request({ limits: { requestsPerMinute: 50 } });
      const inputs = [0, 1, 2].map((worker) => ({ location, worker, attempts: 30, request: shared }));

      const granted = await runReserveWorkers(inputs);

      expect(granted.reduce((sum, count) => sum + count, 0)).toBe(50);
      await expect(store.dailyUsage('acme', T0)).resolves.toEqual({ tokens: 50 * 100, costMicroUsd: 50 * 50 });
    });
  });
});
