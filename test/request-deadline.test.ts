import { ProductError } from '../common/errors';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';

describe('the request deadline', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    // One failure opens a circuit here, so a call wrongly counted as a provider failure shows at once.
    env = await startTestEnvironment(() => ({ circuit: { failureThreshold: 1 } }));
    document = findReleaseNotes().text;
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await env.stop();
  });

  const start = (deadline: string) => env.generations.start({ tenant: 'deadlines', templateId: 'release-digest',
    input: { document }, deadline });
  const calls = (model: string) => env.simulator.stats().byModel[model] ?? 0;

  test('a Retry-After longer than the retry policy\'s interval is waited for in full, one call per attempt',
    async () => {
      // The test retry policy caps its own backoff at 1 s; the provider's 4 s still rules.
      env.simulator.faults.set([{ kind: 'rate_limit', model: 'sim-large', times: 1, retryAfterSeconds: 4 }]);
      const before = calls('sim-large');
      const started = Date.now();

      const result = await env.generations.result((await start('1 minute')).workflowId);

      expect(result.answeredBy.model).toBe('sim-large');
      expect(calls('sim-large') - before).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    });

  test('a 429 that names its wait only in OpenAI-style quota reset headers is retried after that wait', async () => {
    env.simulator.faults.set([{ kind: 'rate_limit', model: 'sim-large', times: 1, retryAfterSeconds: 3,
      waitHint: 'reset-headers' }]);
    const before = calls('sim-large');
    const started = Date.now();

    const result = await env.generations.result((await start('1 minute')).workflowId);

    expect(result.answeredBy.model).toBe('sim-large');
    expect(calls('sim-large') - before).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
  });

  test('a 429 whose Retry-After is zero is retried after the policy\'s own backoff', async () => {
    env.simulator.faults.set([{ kind: 'rate_limit', model: 'sim-large', times: 1, retryAfterSeconds: 0 }]);
    const before = calls('sim-large');

    const result = await env.generations.result((await start('1 minute')).workflowId);

    expect(result.answeredBy.model).toBe('sim-large');
    expect(calls('sim-large') - before).toBe(2);
  });

  test('a Retry-After that ends past the deadline is not waited for: the next model answers at once', async () => {
    env.simulator.faults.set([{ kind: 'rate_limit', model: 'sim-large', retryAfterSeconds: 600 }]);
    const before = calls('sim-large');
    const started = Date.now();

    const result = await env.generations.result((await start('2 minutes')).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'RETRY_AFTER_PAST_DEADLINE' });
    expect(result.answeredBy.model).toBe('sim-small');
    expect(calls('sim-large') - before).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a run with no answer by its deadline fails with REQUEST_DEADLINE_EXCEEDED', async () => {
    // The first model streams for 10 s, still alive, but the run's 3 s run out while it does.
    env.simulator.faults.set([{ kind: 'slow', delayMs: 10_000 }]);
    const started = Date.now();

    const { workflowId } = await start('3 seconds');
    const failure = await env.generations.result(workflowId).catch((err: unknown) => err);
    const view = await env.generations.get(workflowId);

    expect(failure).toBeInstanceOf(ProductError);
    expect((failure as ProductError).code).toBe('REQUEST_DEADLINE_EXCEEDED');
    expect(view.failure).toMatchObject({ code: 'REQUEST_DEADLINE_EXCEEDED', field: 'deadline' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a call cut short by the run\'s own deadline does not count against the model\'s circuit', async () => {
    env.simulator.faults.set([{ kind: 'slow', model: 'sim-large', times: 1, delayMs: 12_000 }]);

    const failure = await env.generations.result((await start('3 seconds')).workflowId)
      .catch((err: unknown) => err);
    // The worker learns of the timeout from its next heartbeats and aborts the stream: that is when a wrongly
    // classified failure would be counted.
    await new Promise((done) => setTimeout(done, 5_000));
    const next = await env.generations.result((await start('1 minute')).workflowId);

    expect((failure as ProductError).code).toBe('REQUEST_DEADLINE_EXCEEDED');
    expect(next.attempts).toEqual([expect.objectContaining({ model: 'sim-large', outcome: 'answered' })]);
  });

  test('a deadline without a unit, under a second or over a day is refused before anything starts', async () => {
    const failures = await Promise.all(['90', '0.5 seconds', '25 hours'].map((deadline) => start(deadline)
      .catch((err: unknown) => err)));

    for (const failure of failures) {
      expect((failure as ProductError).code).toBe('REQUEST_INVALID');
      expect((failure as ProductError).field).toBe('deadline');
    }
  });
});
