import { defaultPayloadConverter } from '@temporalio/common';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';

/** Calls to one model in the simulator since `before`. */
function callsSince(env: TestEnvironment, model: string, before: number): number {
  return (env.simulator.stats().byModel[model] ?? 0) - before;
}

describe('streamed model calls', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment((simulatorUrl) => ({
      providers: {
        simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small'], timeout: '20 seconds' },
        plain: { baseUrl: simulatorUrl, models: ['sim-large'], timeout: '20 seconds', stream: false },
      },
      modelCall: { maximumAttempts: 3, initialInterval: '100 milliseconds', maximumInterval: '1 second',
        heartbeatTimeout: '3 seconds', startToCloseTimeout: '60 seconds', streamIdleTimeout: '1 second' },
      // Broken streams count towards the circuit; these tests break many on purpose and watch each one.
      circuit: { failureThreshold: 50 },
    }));
    document = findReleaseNotes().text;
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await env.stop();
  });

  const run = async (chain?: Array<{ provider: string; model: string }>) => env.generations.result(
    (await env.generations.start({ tenant: 'streams', templateId: 'release-digest', input: { document }, chain }))
      .workflowId);

  test('a streamed answer is read whole, with the usage the provider reported', async () => {
    const before = env.simulator.stats();

    const result = await run();

    const after = env.simulator.stats();
    expect(after.streamed - before.streamed).toBe(1);
    expect(result.status).toBe('completed');
    expect(result.answeredBy.model).toBe('sim-large');
    expect(result.usage.outputTokens).toBe(after.completionTokens - before.completionTokens);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  test('a stream that stalls is cancelled after the idle timeout and retried on the same model', async () => {
    env.simulator.faults.set([{ kind: 'stall', model: 'sim-large', times: 1 }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;
    const started = Date.now();

    const result = await run();

    expect(result.answeredBy.model).toBe('sim-large');
    expect(result.attempts).toEqual([expect.objectContaining({ model: 'sim-large', outcome: 'answered' })]);
    expect(callsSince(env, 'sim-large', before)).toBe(2);
    // Found by the 1 s idle timer, long before the 60 s start-to-close timeout would have ended the attempt.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a model whose streams keep stalling is passed over with STREAM_STALLED', async () => {
    env.simulator.faults.set([{ kind: 'stall', model: 'sim-large' }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await run();

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', outcome: 'failed', errorCode: 'STREAM_STALLED' });
    expect(result.answeredBy.model).toBe('sim-small');
    expect(callsSince(env, 'sim-large', before)).toBe(3);
  });

  test('a stream cut off half way is never taken as an answer: it is retried, then passed over', async () => {
    env.simulator.faults.set([{ kind: 'stream_cut', model: 'sim-large' }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await run();

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', outcome: 'failed',
      errorCode: 'STREAM_INTERRUPTED' });
    expect(callsSince(env, 'sim-large', before)).toBe(3);
    expect(result.answeredBy.model).toBe('sim-small');
    expect(result.status).toBe('completed');
  });

  test('a long generation keeps its attempt alive past the heartbeat timeout while chunks flow', async () => {
    // 8 s of streaming against a 3 s heartbeat timeout and a 1 s idle timeout: only a live stream survives it.
    env.simulator.faults.set([{ kind: 'slow', model: 'sim-large', times: 1, delayMs: 8_000 }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;
    const started = Date.now();

    const result = await run();

    expect(result.answeredBy.model).toBe('sim-large');
    expect(callsSince(env, 'sim-large', before)).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
  });

  test('a streamed call shows the characters received so far in its heartbeat details', async () => {
    // Heartbeats reach the server at most every 0.8 x the 3 s heartbeat timeout, so 10 s shows several.
    env.simulator.faults.set([{ kind: 'slow', model: 'sim-large', times: 1, delayMs: 10_000 }]);
    const { workflowId } = await env.generations.start({ tenant: 'streams', templateId: 'release-digest',
      input: { document } });
    const handle = env.client.workflow.getHandle(workflowId);

    const seen: number[] = [];
    for (let poll = 0; poll < 40 && seen.length < 2; poll += 1) {
      await new Promise((done) => setTimeout(done, 500));
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const details = pending[0]?.heartbeatDetails?.payloads?.[0];
      const progress = details ? defaultPayloadConverter.fromPayload<{ receivedChars: number }>(details) : undefined;
      if (progress && progress.receivedChars > (seen.at(-1) ?? 0)) {
        seen.push(progress.receivedChars);
      }
    }
    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('completed');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeGreaterThan(seen[0] ?? 0);
  });

  test('a provider configured without streaming gets whole answers on the same code path', async () => {
    env.simulator.faults.set([{ kind: 'truncate', model: 'sim-large', times: 1 }]);
    const before = env.simulator.stats();

    const result = await run([{ provider: 'plain', model: 'sim-large' }]);

    // The first answer was cut at the output limit and retried; the second one was whole. Neither was streamed.
    const after = env.simulator.stats();
    expect(after.requests - before.requests).toBe(2);
    expect(after.streamed - before.streamed).toBe(0);
    expect(result.status).toBe('completed');
    expect(result.answeredBy).toEqual({ provider: 'plain', model: 'sim-large' });
    expect(result.attempts).toHaveLength(1);
  });
});
