import { ProductError } from '../common/errors';
import { findFreePort } from '../workers/free-port';
import { passedOverKey } from '../workflows/search-attributes';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';

describe('provider failures', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    const closedPort = await findFreePort();
    env = await startTestEnvironment((simulatorUrl) => ({
      providers: {
        simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small', 'sim-narrow', 'sim-flaky'],
          timeout: '20 seconds' },
        down: { baseUrl: `http://127.0.0.1:${closedPort}/v1`, models: ['gone'] },
      },
      quotas: { models: { 'simulator/sim-narrow': { contextWindow: 1_000 } } },
      // The cool-down leaves room for the next run to start on a busy machine while the circuit is still open.
      circuit: { failureThreshold: 3, coolDown: '8 seconds' },
    }));
    document = findReleaseNotes().text;
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await env.stop();
  });

  const start = (chain?: Array<{ provider: string; model: string }>) =>
    env.generations.start({ tenant: 'faults', templateId: 'release-digest', input: { document }, chain });

  test('a provider that answers 503 twice and then succeeds is retried by Temporal and answers', async () => {
    env.simulator.faults.set([{ kind: 'unavailable', model: 'sim-large', times: 2 }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await env.generations.result((await start()).workflowId);

    expect(result.status).toBe('completed');
    expect(result.answeredBy).toEqual({ provider: 'simulator', model: 'sim-large' });
    expect((env.simulator.stats().byModel['sim-large'] ?? 0) - before).toBe(3);
  });

  test('when the first provider is down the next one in the chain answers and the result says so', async () => {
    const chain = [{ provider: 'down', model: 'gone' }, { provider: 'simulator', model: 'sim-small' }];

    const { workflowId } = await start(chain);
    const result = await env.generations.result(workflowId);
    const passedOver = (await env.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes
      .get(passedOverKey);

    expect(passedOver).toEqual(['down/gone:PROVIDER_UNAVAILABLE']);
    expect(result.answeredBy).toEqual({ provider: 'simulator', model: 'sim-small' });
    expect(result.attempts).toEqual([
      expect.objectContaining({ provider: 'down', model: 'gone', outcome: 'failed',
        errorCode: 'PROVIDER_UNAVAILABLE' }),
      expect.objectContaining({ provider: 'simulator', model: 'sim-small', outcome: 'answered' }),
    ]);
  });

  test('a 401 is not retried against that provider and the chain moves on at once', async () => {
    env.simulator.faults.set([{ kind: 'unauthorized', model: 'sim-large' }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await env.generations.result((await start()).workflowId);

    expect((env.simulator.stats().byModel['sim-large'] ?? 0) - before).toBe(1);
    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'PROVIDER_REJECTED' });
    expect(result.answeredBy.model).toBe('sim-small');
  });

  test('an answer cut at the output limit is never a success', async () => {
    env.simulator.faults.set([{ kind: 'truncate', model: 'sim-large' }]);

    const result = await env.generations.result((await start()).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'OUTPUT_TRUNCATED' });
    expect(result.answeredBy.model).toBe('sim-small');
  });

  test('a 429 with Retry-After is retried after the delay the provider named', async () => {
    env.simulator.faults.set([{ kind: 'rate_limit', model: 'sim-large', times: 1, retryAfterSeconds: 2 }]);
    const started = Date.now();

    const result = await env.generations.result((await start()).workflowId);

    expect(result.answeredBy.model).toBe('sim-large');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  test('when every provider fails the run fails with ALL_PROVIDERS_FAILED', async () => {
    const failure = await env.generations.result((await start([{ provider: 'down', model: 'gone' }])).workflowId)
      .catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(ProductError);
    expect((failure as ProductError).code).toBe('ALL_PROVIDERS_FAILED');
  });

  test('an answer that is not JSON is recorded as a validation failure with the reason', async () => {
    env.simulator.faults.set([{ kind: 'invalid_json', model: 'sim-large', times: 1 }]);

    const { workflowId } = await env.generations.start({ tenant: 'faults', templateId: 'release-digest',
      input: { document }, review: { policy: 'never' } });
    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('invalid');
    expect(result.validation.valid).toBe(false);
    expect(result.validation.issues[0]).toContain('not JSON');
  });

  test('a prompt longer than a model\'s context window skips that model without calling it', async () => {
    const before = env.simulator.stats().byModel['sim-narrow'] ?? 0;

    const result = await env.generations.result((await start([{ provider: 'simulator', model: 'sim-narrow' },
      { provider: 'simulator', model: 'sim-small' }])).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-narrow', errorCode: 'CONTEXT_TOO_LONG' });
    expect(result.answeredBy.model).toBe('sim-small');
    expect(env.simulator.stats().byModel['sim-narrow'] ?? 0).toBe(before);
  });

  test('a provider\'s context length error moves on at once without a retry', async () => {
    env.simulator.faults.set([{ kind: 'context_length', model: 'sim-large' }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await env.generations.result((await start()).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'CONTEXT_TOO_LONG' });
    expect(result.answeredBy.model).toBe('sim-small');
    expect((env.simulator.stats().byModel['sim-large'] ?? 0) - before).toBe(1);
  });

  test('content filtered by a provider falls back to the next one and is recorded as such', async () => {
    env.simulator.faults.set([{ kind: 'content_filter', model: 'sim-large' }]);

    const result = await env.generations.result((await start()).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'CONTENT_FILTERED' });
    expect(result.answeredBy.model).toBe('sim-small');
  });

  test('a model that keeps failing is skipped while its circuit is open, then probed after the cool-down', async () => {
    const flaky = [{ provider: 'simulator', model: 'sim-flaky' }, { provider: 'simulator', model: 'sim-small' }];
    env.simulator.faults.set([{ kind: 'unavailable', model: 'sim-flaky' }]);
    await env.generations.result((await start(flaky)).workflowId);
    const callsWhenOpened = env.simulator.stats().byModel['sim-flaky'] ?? 0;

    const skipped = await env.generations.result((await start(flaky)).workflowId);
    const callsWhileOpen = (env.simulator.stats().byModel['sim-flaky'] ?? 0) - callsWhenOpened;
    env.simulator.faults.clear();
    await new Promise((done) => setTimeout(done, 8_500));
    const probed = await env.generations.result((await start(flaky)).workflowId);

    expect(skipped.attempts[0]).toMatchObject({ model: 'sim-flaky', errorCode: 'CIRCUIT_OPEN' });
    expect(callsWhileOpen).toBe(0);
    expect(probed.answeredBy.model).toBe('sim-flaky');
  });
});
