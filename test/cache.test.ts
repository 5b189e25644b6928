import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import type { StartGenerationRequest } from '../common/request-schema';

describe('the result cache', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment(() => ({
      cache: { enabled: true, ttl: '3 seconds', inFlightWait: '20 seconds' },
    }));
    document = findReleaseNotes().text;
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await env.stop();
  });

  /** Each test gets its own prompt (a different product name) so tests never share cache entries. */
  function requestFor(tenant: string, product: string, extra: Partial<StartGenerationRequest> = {}) {
    return { tenant, templateId: 'release-digest', input: { document, product }, ...extra };
  }

  const providerCalls = () => env.simulator.stats().byModel['sim-large'] ?? 0;

  async function run(request: ReturnType<typeof requestFor>) {
    const { workflowId } = await env.generations.start(request);
    return env.generations.result(workflowId);
  }

  test('a repeated request is served from the cache without a provider call', async () => {
    const first = await run(requestFor('acme', 'repeat'));
    const callsAfterFirst = providerCalls();

    const second = await run(requestFor('acme', 'repeat'));

    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit');
    expect(second.output).toEqual(first.output);
    expect(second.costMicroUsd).toBe(0);
    expect(providerCalls()).toBe(callsAfterFirst);
  });

  test('one tenant never receives another tenant\'s cached output', async () => {
    await run(requestFor('acme', 'scoped'));
    const before = providerCalls();

    const other = await run(requestFor('globex', 'scoped'));

    expect(other.cache).toBe('miss');
    expect(providerCalls()).toBe(before + 1);
  });

  test('a request that asks to bypass the cache calls the provider', async () => {
    await run(requestFor('acme', 'bypass'));
    const before = providerCalls();

    const bypassed = await run(requestFor('acme', 'bypass', { cache: { bypass: true } }));

    expect(bypassed.cache).toBe('bypass');
    expect(providerCalls()).toBe(before + 1);
  });

  test('an answer that failed validation never fills the cache', async () => {
    env.simulator.faults.set([{ kind: 'invalid_json', model: 'sim-large', times: 1 }]);
    const invalid = await run(requestFor('acme', 'invalid', { review: { policy: 'never' } }));

    const retried = await run(requestFor('acme', 'invalid', { review: { policy: 'never' } }));

    expect(invalid.status).toBe('invalid');
    expect(retried.cache).toBe('miss');
    expect(retried.status).toBe('completed');
  });

  test('an entry expires after its time to live', async () => {
    await run(requestFor('acme', 'ttl'));
    await new Promise((done) => setTimeout(done, 3_500));

    const later = await run(requestFor('acme', 'ttl'));

    expect(later.cache).toBe('miss');
  });

  test('identical requests in flight at the same time make one provider call', async () => {
    env.simulator.faults.set([{ kind: 'slow', model: 'sim-large', delayMs: 2_000, times: 1 }]);
    const before = providerCalls();

    const results = await Promise.all([0, 1, 2].map(() => run(requestFor('acme', 'in-flight'))));

    expect(providerCalls()).toBe(before + 1);
    expect(results.map((result) => result.cache).sort()).toEqual(['hit', 'hit', 'miss']);
  });

  test('a run cancelled during its call gives up its cache key, so an identical run does not wait for it',
    async () => {
      env.simulator.faults.set([{ kind: 'slow', model: 'sim-large', delayMs: 15_000, times: 1 }]);
      const before = providerCalls();
      const first = await env.generations.start(requestFor('acme', 'cancelled-owner'));
      // The call has begun once the simulator counts it; the first run owns the key by then.
      while (providerCalls() === before) {
        await new Promise((done) => setTimeout(done, 100));
      }
      await env.client.workflow.getHandle(first.workflowId).cancel();
      const started = Date.now();

      const second = await run(requestFor('acme', 'cancelled-owner'));

      // Without the release it would wait out the 20 s in-flight wait before calling.
      expect(second.cache).toBe('miss');
      expect(Date.now() - started).toBeLessThan(10_000);
    });
});
