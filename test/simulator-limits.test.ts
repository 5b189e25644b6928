import { encodeChat } from 'gpt-tokenizer';
import { APIError, OpenAI, RateLimitError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { limitsFromEnv } from '../simulator/env';
import { InvalidLimitRulesError, type LimitRule } from '../simulator/limits';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import type { SimulatorStats } from '../simulator/stats';

const minute = 60_000;

interface Answer {
  status: number;
  headers: Headers;
  /** The SDK's error, for answers that are not 2xx. */
  error?: APIError<number, Headers>;
  usage?: { prompt_tokens: number; total_tokens: number };
}

function plainRequest(model = 'sim-large', maxTokens?: number): ChatCompletionCreateParamsNonStreaming {
  const request: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: [{ role: 'user', content: 'Count my tokens, please.' }],
  };
  return maxTokens === undefined ? request : { ...request, max_tokens: maxTokens };
}

/** The o200k count the simulator reports as prompt_tokens for plainRequest. */
const promptTokens = encodeChat([{ role: 'user', content: 'Count my tokens, please.' }], 'gpt-4o').length;

describe('provider limits', () => {
  let simulator: RunningSimulator;
  let client: OpenAI;
  let now = 1_750_000_000_000;

  beforeAll(async () => {
    simulator = await startSimulator({ logger: false, clock: () => now });
    client = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0 });
  });

  afterEach(() => {
    simulator.limits.clear();
    simulator.faults.clear();
    now += 10 * minute;
  });

  afterAll(async () => {
    await simulator.close();
  });

  /** Sends a request at the clock's current time and reports how it was answered, success or not. */
  async function send(request = plainRequest()): Promise<Answer> {
    try {
      const { data, response } = await client.chat.completions.create(request).withResponse();
      return { status: response.status, headers: response.headers, usage: data.usage };
    } catch (err) {
      // instanceof narrows to APIError<any>; an HTTP error always has a status and headers.
      if (err instanceof APIError && err.status !== undefined) {
        const error = err as APIError<number, Headers>;
        return { status: error.status, headers: error.headers, error };
      }
      throw err;
    }
  }

  /** Sends a request `offsetMs` after `start` on the injected clock. */
  async function sendAt(start: number, offsetMs: number, request = plainRequest()): Promise<Answer> {
    now = start + offsetMs;
    return send(request);
  }

  function adminUrl(path: string): string {
    return simulator.url.replace(/\/v1$/, path);
  }

  async function postLimits(body: unknown): Promise<Response> {
    return fetch(adminUrl('/_sim/limits'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  describe('request limits', () => {
    test('the request after the allowance gets 429 with retry-after-ms until the oldest request leaves', async () => {
      simulator.limits.set([{ requestsPerMinute: 2 }]);
      const start = now;

      await sendAt(start, 0);
      await sendAt(start, 10_000);
      const refused = await sendAt(start, 15_000);

      expect(refused.status).toBe(429);
      expect(refused.error).toBeInstanceOf(RateLimitError);
      expect(refused.error?.code).toBe('rate_limit_exceeded');
      expect(refused.error?.message).toMatch(/on requests per min \(RPM\): Limit 2, Used 2/);
      expect(refused.headers.get('retry-after-ms')).toBe('45000');
      expect(refused.headers.get('retry-after')).toBe('45');
    });

    test('a refused request does not use up any of the window', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);
      const start = now;

      await sendAt(start, 0);
      const firstRefusal = await sendAt(start, 1_000);
      const secondRefusal = await sendAt(start, 2_000);
      const afterWindow = await sendAt(start, minute);

      expect(firstRefusal.headers.get('retry-after-ms')).toBe('59000');
      expect(secondRefusal.headers.get('retry-after-ms')).toBe('58000');
      expect(afterWindow.status).toBe(200);
    });

    test('the window slides: each request is admitted again once it has left the window', async () => {
      simulator.limits.set([{ requestsPerMinute: 2 }]);
      const start = now;

      await sendAt(start, 0);
      await sendAt(start, 30_000);
      const justBefore = await sendAt(start, minute - 1);
      const whenOldestLeft = await sendAt(start, minute);
      const next = await sendAt(start, minute);

      expect(justBefore.status).toBe(429);
      expect(justBefore.headers.get('retry-after-ms')).toBe('1');
      expect(justBefore.headers.get('retry-after')).toBe('1');
      expect(whenOldestLeft.status).toBe(200);
      expect(next.headers.get('retry-after-ms')).toBe('30000');
    });

    test('windowMs sets the length of the window', async () => {
      simulator.limits.set([{ requestsPerMinute: 1, windowMs: 1_000 }]);
      const start = now;

      await sendAt(start, 0);
      const refused = await sendAt(start, 400);
      const admitted = await sendAt(start, 1_000);

      expect(refused.headers.get('retry-after-ms')).toBe('600');
      expect(refused.error?.message).toMatch(/on requests per 1000 ms/);
      expect(admitted.status).toBe(200);
    });
  });

  describe('token limits', () => {
    test('a token limit counts the prompt tokens plus max_tokens', async () => {
      simulator.limits.set([{ tokensPerMinute: 2 * promptTokens + 150 }]);

      const first = await send(plainRequest('sim-large', 100));
      const tooMuch = await send(plainRequest('sim-large', 51));
      const exact = await send(plainRequest('sim-large', 50));

      expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(promptTokens + 50));
      expect(tooMuch.status).toBe(429);
      expect(tooMuch.error?.type).toBe('tokens');
      expect(tooMuch.error?.message).toMatch(/on tokens per min \(TPM\)/);
      expect(exact.status).toBe(200);
      expect(exact.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    });

    test('a request without max_tokens takes the tokens of the answer it gets', async () => {
      simulator.limits.set([{ tokensPerMinute: 100_000 }]);

      const answer = await send(plainRequest());

      expect(answer.usage?.prompt_tokens).toBe(promptTokens);
      const remaining = 100_000 - (answer.usage?.total_tokens ?? 0);
      expect(answer.headers.get('x-ratelimit-remaining-tokens')).toBe(String(remaining));
    });

    test('the token wait lasts until enough older requests have left the window', async () => {
      simulator.limits.set([{ tokensPerMinute: 3 * (promptTokens + 100) }]);
      const start = now;

      await sendAt(start, 0, plainRequest('sim-large', 100));
      await sendAt(start, 5_000, plainRequest('sim-large', 100));
      await sendAt(start, 9_000, plainRequest('sim-large', 100));
      const refused = await sendAt(start, 20_000, plainRequest('sim-large', promptTokens + 200));

      // Room for two requests' worth frees when the second of them leaves, at 5 s plus a minute.
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after-ms')).toBe(String(5_000 + minute - 20_000));
    });

    test('a request larger than the whole token limit gets 429 without retry headers', async () => {
      simulator.limits.set([{ tokensPerMinute: 1_000 }]);

      const refused = await send(plainRequest('sim-large', 5_000));

      expect(refused.status).toBe(429);
      expect(refused.error?.message).toMatch(/Request too large for sim-large on tokens per min/);
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(refused.headers.get('retry-after-ms')).toBeNull();
    });
  });

  describe('which requests a rule limits', () => {
    test('a rule for one model leaves requests for other models alone', async () => {
      simulator.limits.set([{ model: 'limited-model', requestsPerMinute: 1 }]);

      await send(plainRequest('limited-model'));
      const limited = await send(plainRequest('limited-model'));
      const others = [await send(plainRequest('free-model')), await send(plainRequest('free-model'))];

      expect(limited.status).toBe(429);
      expect(others.map((answer) => answer.status)).toEqual([200, 200]);
      expect(others[1]?.headers.get('x-ratelimit-limit-requests')).toBeNull();
    });

    test('a rule without a model is one quota shared by every model', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);

      const first = await send(plainRequest('model-a'));
      const second = await send(plainRequest('model-b'));

      expect(first.status).toBe(200);
      expect(second.status).toBe(429);
    });

    test('an injected fault applies before the limits and uses none of the window', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);
      simulator.faults.set([{ kind: 'server_error', times: 1 }]);

      const faulted = await send();
      const admitted = await send();
      const limited = await send();

      expect([faulted.status, admitted.status, limited.status]).toEqual([500, 200, 429]);
    });
  });

  describe('quota headers', () => {
    test('answers carry the limits and what remains of them after the request', async () => {
      simulator.limits.set([{ requestsPerMinute: 3, tokensPerMinute: 10_000 }]);

      const answer = await send(plainRequest('sim-large', 200));

      expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(answer.headers.get('x-ratelimit-remaining-requests')).toBe('2');
      expect(answer.headers.get('x-ratelimit-limit-tokens')).toBe('10000');
      expect(answer.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000 - promptTokens - 200));
    });

    test('a 429 from a limit carries the quota headers with nothing remaining', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);

      await send();
      const refused = await send();

      expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1');
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    });

    test('with several rules the headers report the one with the least left', async () => {
      simulator.limits.set([{ requestsPerMinute: 100 }, { model: 'sim-large', requestsPerMinute: 5 }]);

      const answer = await send();

      expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('5');
      expect(answer.headers.get('x-ratelimit-remaining-requests')).toBe('4');
    });
  });

  describe('concurrency limits', () => {
    test('a request beyond maxConcurrent in flight gets 429 naming concurrency', async () => {
      simulator.limits.set([{ maxConcurrent: 1 }]);
      simulator.faults.set([{ kind: 'slow', delayMs: 500 }]);

      const answers = await Promise.all([send(), send()]);

      const refused = answers.find((answer) => answer.status === 429);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 429]);
      expect(refused?.error?.message).toMatch(/Too many concurrent requests for sim-large: Limit 1, In flight 1/);
    });

    test('a finished request gives its concurrency slot back', async () => {
      simulator.limits.set([{ maxConcurrent: 1 }]);
      simulator.faults.set([{ kind: 'slow', delayMs: 50 }]);

      const first = await send();
      const second = await send();

      expect([first.status, second.status]).toEqual([200, 200]);
    });
  });

  describe('admin API', () => {
    test('POST /_sim/limits installs rules that the next requests are measured against', async () => {
      const installed = await postLimits({ rules: [{ requestsPerMinute: 1 }] });

      const first = await send();
      const second = await send();

      expect(installed.status).toBe(200);
      expect(await installed.json()).toEqual({ rules: [{ requestsPerMinute: 1 }] });
      expect([first.status, second.status]).toEqual([200, 429]);
    });

    test('GET /_sim/limits lists the rules in force', async () => {
      const rules: LimitRule[] = [
        { model: 'sim-small', tokensPerMinute: 500, windowMs: 10_000 },
        { maxConcurrent: 4 },
      ];
      simulator.limits.set(rules);

      const listed: unknown = await (await fetch(adminUrl('/_sim/limits'))).json();

      expect(listed).toEqual({ rules });
      expect(simulator.limits.list()).toEqual(rules);
    });

    test('DELETE /_sim/limits clears the rules so requests are no longer limited', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);
      await send();

      const cleared = await fetch(adminUrl('/_sim/limits'), { method: 'DELETE' });
      const answer = await send();

      expect(await cleared.json()).toEqual({ rules: [] });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit-requests')).toBeNull();
    });

    test('POST /_sim/limits with an invalid rule answers 400 and keeps the rules it had', async () => {
      simulator.limits.set([{ requestsPerMinute: 5 }]);

      const response = await postLimits({ rules: [{ requestsPerMinute: 0 }] });

      expect(response.status).toBe(400);
      const body: unknown = await response.json();
      expect(body).toMatchObject({ error: { type: 'invalid_request_error', param: 'rules[0].requestsPerMinute' } });
      expect(simulator.limits.list()).toEqual([{ requestsPerMinute: 5 }]);
    });

    test('a rule that sets no limit is rejected over HTTP and in process', async () => {
      const response = await postLimits({ rules: [{ model: 'sim-large' }] });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { param: 'rules[0]' } });
      expect(() => simulator.limits.set([{ model: 'sim-large' }])).toThrow(InvalidLimitRulesError);
    });
  });

  describe('stats', () => {
    test('stats count limited requests by reason, apart from injected rate_limit faults', async () => {
      simulator.limits.set([
        { model: 'stats-requests', requestsPerMinute: 1 },
        { model: 'stats-tokens', tokensPerMinute: 10 },
      ]);
      simulator.faults.set([{ kind: 'rate_limit', model: 'stats-faulted', times: 1 }]);
      const before = simulator.stats();

      await send(plainRequest('stats-requests'));
      await send(plainRequest('stats-requests'));
      await send(plainRequest('stats-tokens'));
      await send(plainRequest('stats-faulted'));
      const after = await (await fetch(adminUrl('/_sim/stats'))).json() as SimulatorStats;

      const delta = (read: (stats: SimulatorStats) => number | undefined): number =>
        (read(after) ?? 0) - (read(before) ?? 0);
      expect(delta((stats) => stats.byOutcome.limited)).toBe(2);
      expect(delta((stats) => stats.byOutcome.rate_limit)).toBe(1);
      expect(delta((stats) => stats.limitedByReason.requests)).toBe(1);
      expect(delta((stats) => stats.limitedByReason.tokens)).toBe(1);
      expect(delta((stats) => stats.limitedByReason.concurrency)).toBe(0);
      expect(delta((stats) => stats.requests)).toBe(4);
    });
  });
});

describe('limits at startup', () => {
  test('limits passed to startSimulator apply from the first request', async () => {
    const simulator = await startSimulator({ logger: false, limits: [{ requestsPerMinute: 1 }] });
    const client = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0 });

    try {
      await client.chat.completions.create(plainRequest());
      const failure = await client.chat.completions.create(plainRequest()).catch((err: unknown) => err);

      expect(failure).toBeInstanceOf(RateLimitError);
    } finally {
      await simulator.close();
    }
  });

  test('startSimulator rejects invalid limits before it listens', async () => {
    const started = startSimulator({ logger: false, limits: [{ requestsPerMinute: 1.5 }] });

    await expect(started).rejects.toThrow(InvalidLimitRulesError);
  });

  test('SIMULATOR_LIMITS is read as a JSON array of limit rules', () => {
    const rules = limitsFromEnv('[{"model":"sim-large","requestsPerMinute":60},{"maxConcurrent":2}]');

    expect(rules).toEqual([{ model: 'sim-large', requestsPerMinute: 60 }, { maxConcurrent: 2 }]);
    expect(limitsFromEnv(undefined)).toEqual([]);
    expect(limitsFromEnv('  ')).toEqual([]);
  });

  test('SIMULATOR_LIMITS that is not JSON or not valid rules is an error naming the variable', () => {
    expect(() => limitsFromEnv('{rpm: 5')).toThrow(/^SIMULATOR_LIMITS must be a JSON array/);
    expect(() => limitsFromEnv('[{"rpm":5}]')).toThrow(/^SIMULATOR_LIMITS: invalid limit rules/);
  });
});
