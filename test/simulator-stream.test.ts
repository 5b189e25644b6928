import { APIConnectionError, BadRequestError, OpenAI, RateLimitError } from 'openai';
import type {
  ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { Stream } from 'openai/streaming';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const releaseNotes = `# Acme 2.4.0

This release makes retries safer and adds streaming.

- Added streaming support for chat completions (#123).
- New \`retry\` option on the client.
- Faster startup on large projects.
- Removed the deprecated \`v1\` endpoint; use \`v2\` instead.`;

function plainRequest(model = 'sim-large'): ChatCompletionCreateParamsNonStreaming {
  return { model, messages: [{ role: 'user', content: releaseNotes }] };
}

function streamRequest(model = 'sim-large', includeUsage = true): ChatCompletionCreateParamsStreaming {
  return { ...plainRequest(model), stream: true, stream_options: { include_usage: includeUsage } };
}

interface ReadStream {
  chunks: ChatCompletionChunk[];
  /** Milliseconds from the start of reading to the arrival of each chunk. */
  arrivals: number[];
  content: string;
  finishReasons: string[];
  /** What iterating threw, when it threw. */
  error?: unknown;
}

/** The error a call fails with, or undefined when it succeeds. */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Iterates an SDK stream to its end, keeping every chunk and what iterating threw, if anything. */
async function read(stream: Stream<ChatCompletionChunk>, onChunk: () => void = () => undefined):
  Promise<ReadStream> {
  const started = Date.now();
  const result: ReadStream = { chunks: [], arrivals: [], content: '', finishReasons: [] };

  try {
    for await (const chunk of stream) {
      onChunk();
      result.chunks.push(chunk);
      result.arrivals.push(Date.now() - started);
    }
  } catch (err) {
    result.error = err;
  }

  for (const chunk of result.chunks) {
    result.content += chunk.choices.map((choice) => choice.delta.content ?? '').join('');
    result.finishReasons.push(...chunk.choices.flatMap((choice) => choice.finish_reason ?? []));
  }
  return result;
}

/** The chunks that carry content, the pieces of the answer between the role chunk and the finish chunk. */
function contentChunks(chunks: ChatCompletionChunk[]): ChatCompletionChunk[] {
  return chunks.filter((chunk) => chunk.choices.some((choice) => (choice.delta.content ?? '') !== ''));
}

/**
 * Reads a stream and aborts it once no chunk has come for `idleMs`, as a client guarding against a stalled
 * provider does. Reports whether the idle timer fired.
 */
async function readUntilIdle(client: OpenAI, request: ChatCompletionCreateParamsStreaming, idleMs: number):
  Promise<ReadStream & { abortedIdle: boolean }> {
  const controller = new AbortController();
  let idle = setTimeout(() => controller.abort(), idleMs);
  const restartIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };

  const stream = await client.chat.completions.create(request, { signal: controller.signal });
  const result = await read(stream, restartIdle);
  clearTimeout(idle);
  return { ...result, abortedIdle: controller.signal.aborted };
}

describe('streamed chat completions', () => {
  let simulator: RunningSimulator;
  let client: OpenAI;

  beforeAll(async () => {
    simulator = await startSimulator({ logger: false });
    client = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0 });
  });

  afterEach(() => {
    simulator.faults.clear();
    simulator.limits.clear();
  });

  afterAll(async () => {
    await simulator.close();
  });

  /** Sends a request until a limit admits it: the server learns of an abort when the socket closes, a bit later. */
  async function finishOnceAdmitted(request: ChatCompletionCreateParamsNonStreaming): Promise<string | undefined> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const finish = await client.chat.completions.create(request)
        .then((completion) => completion.choices[0]?.finish_reason, () => undefined);
      if (finish !== undefined) {
        return finish;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  async function readFull(request = streamRequest()): Promise<ReadStream> {
    return read(await client.chat.completions.create(request));
  }

  describe('answers', () => {
    test('a stream reassembles to the unstreamed content, with the same usage and finish reason', async () => {
      const whole = await client.chat.completions.create(plainRequest());

      const streamed = await readFull();

      expect(streamed.error).toBeUndefined();
      expect(streamed.content).toBe(whole.choices[0]?.message.content);
      expect(streamed.finishReasons).toEqual([whole.choices[0]?.finish_reason]);
      expect(streamed.chunks.at(-1)?.usage).toEqual(whole.usage);
    });

    test('the answer arrives as a role chunk, several content chunks, a finish chunk and a usage chunk', async () => {
      const { chunks } = await readFull();

      expect(chunks[0]?.choices).toEqual([
        { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ]);
      expect(contentChunks(chunks).length).toBeGreaterThanOrEqual(4);
      expect(chunks.at(-2)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
      expect(chunks.at(-1)?.choices).toEqual([]);
      expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    });

    test('every chunk carries the same id, creation time, model and fingerprint', async () => {
      const { chunks } = await readFull(streamRequest('stream-model'));

      const first = chunks[0];
      expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'stream-model' });
      for (const chunk of chunks) {
        expect(chunk).toMatchObject({
          id: first?.id, created: first?.created, object: 'chat.completion.chunk', model: 'stream-model',
          system_fingerprint: 'simulator',
        });
      }
    });

    test('a stream answers 200 as text/event-stream with the request id and simulator headers', async () => {
      const { data, response } = await client.chat.completions.create(streamRequest()).withResponse();
      const { chunks } = await read(data);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('x-simulator')).toBe('true');
      expect(response.headers.get('x-request-id')).toBe(`req_${chunks[0]?.id}`);
    });

    test('without include_usage no chunk carries usage', async () => {
      const { chunks, finishReasons } = await readFull(streamRequest('sim-large', false));

      expect(finishReasons).toEqual(['stop']);
      expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    });

    test('the wire format is data lines of chunk JSON ending with [DONE]', async () => {
      const response = await fetch(`${simulator.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(streamRequest()),
      });

      const events = (await response.text()).split('\n\n');

      expect(events.at(-1)).toBe('');
      expect(events.at(-2)).toBe('data: [DONE]');
      expect(events.slice(0, -2).every((event) => event.startsWith('data: {"id":"chatcmpl-'))).toBe(true);
    });

    test('an unknown stream option is rejected with 400', async () => {
      const response = await fetch(`${simulator.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...streamRequest(), stream_options: { includeUsage: true } }),
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { param: 'stream_options' } });
    });
  });

  describe('faults', () => {
    test('an HTTP error fault answers with its error before any stream begins', async () => {
      simulator.faults.set([{ kind: 'rate_limit', times: 1 }]);

      const failure = await failureOf(client.chat.completions.create(streamRequest()));

      expect(failure).toBeInstanceOf(RateLimitError);
    });

    test('truncate streams about half the content and finishes with length', async () => {
      const full = await readFull();
      simulator.faults.set([{ kind: 'truncate', times: 1 }]);

      const cut = await readFull();

      expect(cut.finishReasons).toEqual(['length']);
      expect(full.content.startsWith(cut.content)).toBe(true);
      expect(cut.content.length).toBeLessThan(full.content.length * 0.7);
      expect(cut.content.length).toBeGreaterThan(full.content.length * 0.3);
    });

    test('invalid_json streams content that does not parse as JSON', async () => {
      simulator.faults.set([{ kind: 'invalid_json', times: 1 }]);
      const request: ChatCompletionCreateParamsStreaming = {
        ...streamRequest(), response_format: { type: 'json_object' },
      };

      const { content, finishReasons } = await readFull(request);

      expect(finishReasons).toEqual(['stop']);
      expect(() => JSON.parse(content) as unknown).toThrow(SyntaxError);
    });

    test('content_filter_output streams about half the content and finishes with content_filter', async () => {
      const full = await readFull();
      simulator.faults.set([{ kind: 'content_filter_output', times: 1 }]);

      const filtered = await readFull();

      expect(filtered.finishReasons).toEqual(['content_filter']);
      expect(full.content.startsWith(filtered.content)).toBe(true);
      expect(filtered.content.length).toBeLessThan(full.content.length * 0.7);
    });

    test('content_filter_output cuts an unstreamed answer the same way, with the same finish reason', async () => {
      simulator.faults.set([{ kind: 'content_filter_output', times: 2 }]);

      const whole = await client.chat.completions.create(plainRequest());
      const streamed = await readFull();

      expect(whole.choices[0]?.finish_reason).toBe('content_filter');
      expect(whole.choices[0]?.message.content).toBe(streamed.content);
    });

    test('stall sends the first half of the content, then nothing until the client aborts', async () => {
      const full = await readFull();
      simulator.faults.set([{ kind: 'stall', times: 1 }]);
      const started = Date.now();

      const stalled = await readUntilIdle(client, streamRequest(), 400);

      expect(stalled.abortedIdle).toBe(true);
      // The SDK ends the loop quietly when its request is aborted mid-stream: a reader must check its own timer.
      expect(stalled.error).toBeUndefined();
      expect(stalled.finishReasons).toEqual([]);
      expect(contentChunks(stalled.chunks)).toHaveLength(Math.floor(contentChunks(full.chunks).length / 2));
      expect(full.content.startsWith(stalled.content)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });

    test('stall on an unstreamed request never answers, like timeout', async () => {
      simulator.faults.set([{ kind: 'stall', times: 1 }]);
      const impatient = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0, timeout: 300 });

      const failure = await failureOf(impatient.chat.completions.create(plainRequest()));

      // Inside jest the timeout's abort error comes from another realm, so the SDK reports the parent class.
      expect(failure).toBeInstanceOf(APIConnectionError);
    });

    test('stream_cut breaks off after half the content, and iterating throws TypeError terminated', async () => {
      const full = await readFull();
      simulator.faults.set([{ kind: 'stream_cut', times: 1 }]);

      const cut = await readFull();

      // undici's error for a body that broke off; it comes from Node's realm, so its name is checked.
      expect(cut.error).toMatchObject({ name: 'TypeError', message: 'terminated' });
      expect(cut.finishReasons).toEqual([]);
      expect(contentChunks(cut.chunks)).toHaveLength(Math.floor(contentChunks(full.chunks).length / 2));
      expect(full.content.startsWith(cut.content)).toBe(true);
    });

    test('stream_cut on an unstreamed request drops the connection without an answer', async () => {
      simulator.faults.set([{ kind: 'stream_cut', times: 1 }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest()));

      expect(failure).toBeInstanceOf(APIConnectionError);
    });

    test('slow spreads the chunks over the delay, so the first arrives long before the last', async () => {
      simulator.faults.set([{ kind: 'slow', delayMs: 1500, times: 1 }]);

      const { arrivals, finishReasons } = await readFull();

      const gaps = arrivals.slice(1).map((arrival, at) => arrival - (arrivals[at] ?? 0));
      expect(finishReasons).toEqual(['stop']);
      expect(arrivals[0]).toBeLessThan(300);
      expect(arrivals.at(-1)).toBeGreaterThanOrEqual(1300);
      expect(Math.max(...gaps)).toBeLessThan(750);
    });

    test('stats count the stream faults by kind', async () => {
      const before = simulator.stats();
      simulator.faults.set([
        { kind: 'stream_cut', times: 1 }, { kind: 'content_filter_output', times: 1 }, { kind: 'stall', times: 1 },
      ]);

      await readFull(streamRequest('stats-stream'));
      await readFull(streamRequest('stats-stream'));
      await readUntilIdle(client, streamRequest('stats-stream'), 200);

      const after = simulator.stats();
      const added = (kind: 'stream_cut' | 'content_filter_output' | 'stall'): number =>
        (after.byOutcome[kind] ?? 0) - (before.byOutcome[kind] ?? 0);
      expect([added('stream_cut'), added('content_filter_output'), added('stall')]).toEqual([1, 1, 1]);
      expect(after.byModel['stats-stream']).toBe(3);
    });
  });

  describe('limits', () => {
    test('an open stream holds its concurrency slot until it ends', async () => {
      // A model of its own, so streams that earlier tests abandoned cannot be counted in flight here.
      simulator.limits.set([{ model: 'slot-held', maxConcurrent: 1 }]);
      simulator.faults.set([{ kind: 'slow', delayMs: 800, times: 1 }]);
      const stream = await client.chat.completions.create(streamRequest('slot-held'));

      const whileOpen = await failureOf(client.chat.completions.create(plainRequest('slot-held')));
      const { finishReasons } = await read(stream);
      const afterEnd = await client.chat.completions.create(plainRequest('slot-held'));

      expect(whileOpen).toBeInstanceOf(RateLimitError);
      expect((whileOpen as RateLimitError).message).toMatch(/concurrent/i);
      expect(finishReasons).toEqual(['stop']);
      expect(afterEnd.choices[0]?.finish_reason).toBe('stop');
    });

    test('a stalled stream holds its concurrency slot until the client aborts it', async () => {
      simulator.limits.set([{ model: 'slot-freed', maxConcurrent: 1 }]);
      simulator.faults.set([{ kind: 'stall', times: 1 }]);
      const controller = new AbortController();
      const stream = await client.chat.completions.create(streamRequest('slot-freed'), { signal: controller.signal });

      const whileStalled = await failureOf(client.chat.completions.create(plainRequest('slot-freed')));
      controller.abort();
      const { finishReasons } = await read(stream);
      const afterAbort = await finishOnceAdmitted(plainRequest('slot-freed'));

      expect(whileStalled).toBeInstanceOf(RateLimitError);
      expect(finishReasons).toEqual([]);
      expect(afterAbort).toBe('stop');
    });

    test('a stream refused by a limit gets the 429 before any stream begins', async () => {
      simulator.limits.set([{ requestsPerMinute: 1 }]);
      await readFull();

      const failure = await failureOf(client.chat.completions.create(streamRequest()));

      expect(failure).toBeInstanceOf(RateLimitError);
    });
  });

  describe('bad requests', () => {
    test('a stream request with a bad body gets a 400 before any stream begins', async () => {
      const failure = await failureOf(client.chat.completions.create({ ...streamRequest(), messages: [] }));

      expect(failure).toBeInstanceOf(BadRequestError);
    });
  });
});

describe('streamed answers and shutdown', () => {
  test('close() ends at once while a stall holds a stream open, and the client sees the stream break', async () => {
    const simulator = await startSimulator({ logger: false });
    const client = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0 });
    simulator.faults.set([{ kind: 'stall' }]);
    const stream = await client.chat.completions.create(streamRequest());
    const reading = read(stream);
    while ((simulator.stats().byOutcome.stall ?? 0) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const started = Date.now();
    await simulator.close();
    const { error, finishReasons } = await reading;

    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(finishReasons).toEqual([]);
  });
});
