import { encode, encodeChat } from 'gpt-tokenizer';
import {
  APIConnectionError, APIError, AuthenticationError, BadRequestError, InternalServerError, OpenAI,
  RateLimitError,
} from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { FaultRule } from '../simulator/faults';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const releaseNotes = `# Acme 2.4.0

This release makes retries safer and adds streaming.

## Features
- Added streaming support for chat completions (#123).
- New \`retry\` option on the client.
- Faster startup on large projects.

## Breaking changes
- Removed the deprecated \`v1\` endpoint; use \`v2\` instead.
- The \`timeout\` option is now in milliseconds.

## Fixes
- Fixed a crash when the config file is empty.`;

const otherReleaseNotes = `# Widget 0.9.1

A small maintenance release.

- Improved error messages for invalid widgets.
- Updated the documentation for the render API.`;

const diff = `Harden login and parser

diff --git a/src/parser.ts b/src/parser.ts
index 1111111..2222222 100644
--- a/src/parser.ts
+++ b/src/parser.ts
@@ -10,4 +10,5 @@ export function parse(input: string) {
   const lines = input.split('\\n');
-  const first = lines[0];
+  const first = lines[0] ?? '';
+  if (first === null) throw new Error('empty input');
   return first;
@@ -40,3 +41,4 @@ function helper() {
   const a = 1;
+  // TODO: tidy up this helper
   return a;
diff --git a/src/auth.ts b/src/auth.ts
index 3333333..4444444 100644
--- a/src/auth.ts
+++ b/src/auth.ts
@@ -1,3 +1,4 @@
 import { hash } from './hash';
+const password = process.env.ADMIN_PASSWORD ?? 'admin';
 export function login() {}
`;

/** The new-version line numbers of the added lines above, by file. */
const addedLines: Record<string, number[]> = { 'src/parser.ts': [11, 12, 42], 'src/auth.ts': [2] };

const evidencedItem = z.strictObject({ text: z.string().min(1).max(1000), quote: z.string().min(1).max(1000) });
const releaseDigest = z.strictObject({
  headline: z.string().min(1).max(300),
  highlights: z.array(evidencedItem).min(1).max(12),
  breaking_changes: z.array(evidencedItem).max(12),
});

const diffReview = z.strictObject({
  summary: z.string().min(1).max(2000),
  findings: z.array(z.strictObject({
    file: z.string().min(1).max(500),
    line: z.number().int().min(1),
    severity: z.enum(['info', 'warning', 'error']),
    message: z.string().min(1).max(2000),
  })).max(30),
});

/** The JSON Schema form the pipeline sends: draft-7, without the $schema keyword. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return jsonSchema;
}

function structuredRequest(document: string, schema: z.ZodType, name: string, model = 'sim-large'):
  ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: [
      { role: 'system', content: 'You turn documents into JSON. Answer only with JSON that matches the schema.' },
      { role: 'user', content: `Document:\n<<<\n${document}\n>>>` },
    ],
    temperature: 0,
    max_tokens: 2000,
    response_format: { type: 'json_schema', json_schema: { name, schema: jsonSchemaOf(schema), strict: true } },
  };
}

function plainRequest(content: string, model = 'sim-large'): ChatCompletionCreateParamsNonStreaming {
  return { model, messages: [{ role: 'user', content }] };
}

/** The error a call fails with; fails the test when the call succeeds. */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** 200 for a call that succeeds, else the HTTP status of its APIError. */
async function statusOf(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return 200;
  } catch (err) {
    // instanceof narrows to APIError<any>; the default type parameters say what status really is.
    return err instanceof APIError ? (err as APIError).status : undefined;
  }
}

describe('provider simulator', () => {
  let simulator: RunningSimulator;
  let client: OpenAI;

  beforeAll(async () => {
    simulator = await startSimulator({ logger: false });
    client = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0 });
  });

  afterEach(() => {
    simulator.faults.clear();
  });

  afterAll(async () => {
    await simulator.close();
  });

  async function contentOf(request: ChatCompletionCreateParamsNonStreaming): Promise<string> {
    const completion = await client.chat.completions.create(request);
    return completion.choices[0]?.message.content ?? '';
  }

  async function postFaults(body: unknown): Promise<Response> {
    return fetch(simulator.url.replace(/\/v1$/, '/_sim/faults'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  describe('structured output', () => {
    test('a release-notes digest parses as JSON and satisfies the requested schema', async () => {
      const content = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      const digest = releaseDigest.parse(JSON.parse(content));

      expect(digest.highlights.length).toBeGreaterThan(0);
    });

    test('every quote in the digest appears verbatim in the release notes', async () => {
      const content = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      const digest = releaseDigest.parse(JSON.parse(content));
      const quotes = [...digest.highlights, ...digest.breaking_changes].map((item) => item.quote);

      expect(quotes.length).toBeGreaterThan(0);
      for (const quote of quotes) {
        expect(quote.trim()).toBe(quote);
        expect(quote.length).toBeLessThan(300);
        expect(releaseNotes).toContain(quote);
      }
    });

    test('breaking changes are taken only from items that describe a breaking change', async () => {
      const content = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      const digest = releaseDigest.parse(JSON.parse(content));

      expect(digest.breaking_changes.map((item) => item.quote)).toEqual([
        'Removed the deprecated `v1` endpoint; use `v2` instead.',
        'The `timeout` option is now in milliseconds.',
      ]);
    });

    test('the headline is built from the first line of the release notes', async () => {
      const content = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      const digest = releaseDigest.parse(JSON.parse(content));

      expect(digest.headline).toBe('[simulated] Acme 2.4.0');
    });

    test('free-text fields start with the [simulated] marker', async () => {
      const content = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      const digest = releaseDigest.parse(JSON.parse(content));

      for (const item of [...digest.highlights, ...digest.breaking_changes]) {
        expect(item.text.startsWith('[simulated] ')).toBe(true);
      }
    });

    test('a diff review parses as JSON and satisfies its schema, one finding per hunk', async () => {
      const content = await contentOf(structuredRequest(diff, diffReview, 'diff_review'));

      const review = diffReview.parse(JSON.parse(content));

      expect(review.findings).toHaveLength(3);
    });

    test('each finding names a changed file at the new line number of one of its added lines', async () => {
      const content = await contentOf(structuredRequest(diff, diffReview, 'diff_review'));

      const review = diffReview.parse(JSON.parse(content));

      for (const finding of review.findings) {
        expect(addedLines[finding.file]).toContain(finding.line);
      }
    });

    test('review severity follows the changed line: security and bug lines are errors, a TODO is not', async () => {
      const content = await contentOf(structuredRequest(diff, diffReview, 'diff_review'));

      const review = diffReview.parse(JSON.parse(content));
      const severityAt = (file: string, line: number): string | undefined =>
        review.findings.find((finding) => finding.file === file && finding.line === line)?.severity;

      expect(severityAt('src/auth.ts', 2)).toBe('error');
      expect(severityAt('src/parser.ts', 12)).toBe('error');
      expect(severityAt('src/parser.ts', 42)).toBe('warning');
    });

    test('a schema with nested objects, bounds, enums, booleans and nullable fields is satisfied', async () => {
      const schema = z.strictObject({
        title: z.string().max(40),
        meta: z.strictObject({ version: z.number().int().min(1).max(9), confidence: z.number().min(0).max(1) }),
        items: z.array(z.strictObject({
          kind: z.enum(['feature', 'fix', 'other']),
          is_breaking: z.boolean(),
          file: z.string().nullable(),
          tags: z.array(z.string()).min(2).max(2),
        })).min(1).max(4),
      });

      const content = await contentOf(structuredRequest(releaseNotes, schema, 'nested'));

      const value = schema.parse(JSON.parse(content));
      expect(value.items).toHaveLength(4);
      expect(value.items.every((item) => item.file === null)).toBe(true);
    });

    test('the same request always gets the same content', async () => {
      const request = structuredRequest(releaseNotes, releaseDigest, 'release_digest');

      const [first, second] = await Promise.all([contentOf(request), contentOf(request)]);

      expect(second).toBe(first);
    });

    test('different inputs get different content', async () => {
      const first = await contentOf(structuredRequest(releaseNotes, releaseDigest, 'release_digest'));
      const second = await contentOf(structuredRequest(otherReleaseNotes, releaseDigest, 'release_digest'));

      expect(second).not.toBe(first);
      expect(second).toContain('Improved error messages for invalid widgets.');
    });

    test('a strict schema that allows undeclared properties is rejected with 400, as the provider does', async () => {
      const request = structuredRequest(releaseNotes, z.object({ headline: z.string() }).loose(), 'loose');

      const failure = await failureOf(client.chat.completions.create(request));

      expect(failure).toBeInstanceOf(BadRequestError);
      expect((failure as BadRequestError).param).toBe('response_format');
    });
  });

  describe('other answer formats', () => {
    test('json_object mode returns an object with the keys of the example in the instructions', async () => {
      const content = await contentOf({
        model: 'sim-large',
        messages: [
          { role: 'system', content: 'Reply as JSON like {"title": "...", "points": ["..."], "count": 1}.' },
          { role: 'user', content: releaseNotes },
        ],
        response_format: { type: 'json_object' },
      });

      const value = z.strictObject({ title: z.string(), points: z.array(z.string()), count: z.number().int() })
        .parse(JSON.parse(content));
      expect(value.title).toBe('[simulated] Acme 2.4.0');
    });

    test('a plain-text answer is marked as simulated and summarises the input', async () => {
      const content = await contentOf(plainRequest(otherReleaseNotes));

      expect(content.startsWith('[simulated] ')).toBe(true);
      expect(content).toContain('Widget 0.9.1');
    });

    test('answers carry the x-simulator header, the simulator fingerprint and the requested model', async () => {
      const { data, response } = await client.chat.completions.create(plainRequest('Hello there', 'any-model-x'))
        .withResponse();

      expect(response.headers.get('x-simulator')).toBe('true');
      expect(data.system_fingerprint).toBe('simulator');
      expect(data.model).toBe('any-model-x');
      expect(data.object).toBe('chat.completion');
    });

    test('usage counts match the o200k tokenizer', async () => {
      const messages = [
        { role: 'system' as const, content: 'You summarise release notes.' },
        { role: 'user' as const, content: releaseNotes },
      ];

      const completion = await client.chat.completions.create({ model: 'sim-large', messages });

      const content = completion.choices[0]?.message.content ?? '';
      const promptTokens = encodeChat(messages, 'gpt-4o').length;
      expect(completion.usage).toMatchObject({
        prompt_tokens: promptTokens,
        completion_tokens: encode(content).length,
        total_tokens: promptTokens + encode(content).length,
      });
    });

    test('max_tokens cuts the answer and reports finish_reason length', async () => {
      const request = structuredRequest(releaseNotes, releaseDigest, 'release_digest');

      const completion = await client.chat.completions.create({ ...request, max_tokens: 20 });

      const content = completion.choices[0]?.message.content ?? '';
      expect(completion.choices[0]?.finish_reason).toBe('length');
      expect(completion.usage?.completion_tokens).toBe(20);
      expect(() => JSON.parse(content) as unknown).toThrow();
    });

    test('the model list includes the served models', async () => {
      const models = await client.models.list();

      expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['sim-large', 'sim-small']));
    });
  });

  describe('bad requests', () => {
    test('a body without messages gets a 400 with an OpenAI-style error', async () => {
      const response = await fetch(`${simulator.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-large' }),
      });

      const body = await response.json() as { error: Record<string, unknown> };
      expect(response.status).toBe(400);
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    });

  });

  describe('faults', () => {
    test('rate_limit answers 429 with Retry-After headers and code rate_limit_exceeded', async () => {
      simulator.faults.set([{ kind: 'rate_limit', retryAfterSeconds: 1.5 }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(failure).toBeInstanceOf(RateLimitError);
      const error = failure as RateLimitError;
      expect(error.code).toBe('rate_limit_exceeded');
      expect(error.headers.get('retry-after')).toBe('2');
      expect(error.headers.get('retry-after-ms')).toBe('1500');
    });

    test('server_error answers 500', async () => {
      simulator.faults.set([{ kind: 'server_error' }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(failure).toBeInstanceOf(InternalServerError);
      expect((failure as InternalServerError).status).toBe(500);
    });

    test('unavailable answers 503 with the Retry-After it was given', async () => {
      simulator.faults.set([{ kind: 'unavailable', retryAfterSeconds: 3 }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(failure).toBeInstanceOf(APIError);
      expect((failure as APIError).status).toBe(503);
      expect((failure as APIError).headers?.get('retry-after')).toBe('3');
    });

    test('unauthorized answers 401', async () => {
      simulator.faults.set([{ kind: 'unauthorized' }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(failure).toBeInstanceOf(AuthenticationError);
      expect((failure as AuthenticationError).status).toBe(401);
    });

    test('slow answers normally after the delay', async () => {
      simulator.faults.set([{ kind: 'slow', delayMs: 300 }]);
      const started = Date.now();

      const content = await contentOf(plainRequest(otherReleaseNotes));

      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(content).toContain('Widget 0.9.1');
    });

    test('truncate answers 200 with about half the content and finish_reason length', async () => {
      const request = structuredRequest(releaseNotes, releaseDigest, 'release_digest');
      const full = await contentOf(request);
      simulator.faults.set([{ kind: 'truncate' }]);

      const completion = await client.chat.completions.create(request);

      const content = completion.choices[0]?.message.content ?? '';
      expect(completion.choices[0]?.finish_reason).toBe('length');
      expect(full.startsWith(content)).toBe(true);
      expect(completion.usage?.completion_tokens).toBe(Math.floor(encode(full).length / 2));
    });

    test('invalid_json answers 200 with content that is not valid JSON', async () => {
      simulator.faults.set([{ kind: 'invalid_json' }]);

      const completion = await client.chat.completions.create(
        structuredRequest(releaseNotes, releaseDigest, 'release_digest'));

      expect(completion.choices[0]?.finish_reason).toBe('stop');
      expect(() => JSON.parse(completion.choices[0]?.message.content ?? '') as unknown).toThrow(SyntaxError);
    });

    test('timeout never answers, so a client with a 500 ms timeout gives up', async () => {
      simulator.faults.set([{ kind: 'timeout' }]);
      const impatient = new OpenAI({ baseURL: simulator.url, apiKey: 'test', maxRetries: 0, timeout: 500 });
      const started = Date.now();

      const failure = await failureOf(impatient.chat.completions.create(plainRequest('Hi')));

      // Outside jest this is an APIConnectionTimeoutError. Inside jest the abort error comes from another realm,
      // so the SDK cannot recognise it and reports its parent class, APIConnectionError.
      expect(failure).toBeInstanceOf(APIConnectionError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    test('a rule with times applies to that many requests and is then spent', async () => {
      simulator.faults.set([{ kind: 'server_error', times: 2 }]);

      const statuses: Array<number | undefined> = [];
      for (let call = 0; call < 3; call += 1) {
        statuses.push(await statusOf(client.chat.completions.create(plainRequest('Hi'))));
      }

      expect(statuses).toEqual([500, 500, 200]);
      expect(simulator.faults.list()).toEqual([]);
    });

    test('rules apply in order: the first matching rule that is not spent wins', async () => {
      simulator.faults.set([{ kind: 'rate_limit', times: 1 }, { kind: 'unauthorized', times: 1 }]);

      const first = await failureOf(client.chat.completions.create(plainRequest('Hi')));
      const second = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(first).toBeInstanceOf(RateLimitError);
      expect(second).toBeInstanceOf(AuthenticationError);
    });

    test('a rule for one model leaves requests for other models alone', async () => {
      simulator.faults.set([{ kind: 'server_error', model: 'sim-large' }]);

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi', 'sim-large')));
      const content = await contentOf(plainRequest('Hi', 'sim-small'));

      expect(failure).toBeInstanceOf(InternalServerError);
      expect(content.startsWith('[simulated] ')).toBe(true);
    });

    test('in-process set() rejects an invalid rule and keeps the rules it had', () => {
      simulator.faults.set([{ kind: 'slow', delayMs: 10 }]);
      const invalid = [{ kind: 'explode' }] as unknown as FaultRule[];

      expect(() => simulator.faults.set(invalid)).toThrow(/invalid fault rules/);
      expect(simulator.faults.list()).toEqual([{ kind: 'slow', delayMs: 10 }]);
    });
  });

  describe('admin API', () => {
    test('POST /_sim/faults installs rules that the next request hits', async () => {
      const installed = await postFaults({ rules: [{ kind: 'unauthorized' }] });

      const failure = await failureOf(client.chat.completions.create(plainRequest('Hi')));

      expect(installed.status).toBe(200);
      expect(failure).toBeInstanceOf(AuthenticationError);
    });

    test('DELETE /_sim/faults clears the rules so requests are answered again', async () => {
      simulator.faults.set([{ kind: 'unauthorized' }]);

      const cleared = await fetch(simulator.url.replace(/\/v1$/, '/_sim/faults'), { method: 'DELETE' });
      const content = await contentOf(plainRequest('Hi'));

      expect(await cleared.json()).toEqual({ rules: [] });
      expect(content.startsWith('[simulated] ')).toBe(true);
    });

    test('POST /_sim/faults with an invalid rule answers 400 and installs nothing', async () => {
      const response = await postFaults({ rules: [{ kind: 'rate_limit', times: 0 }] });

      expect(response.status).toBe(400);
      const body: unknown = await response.json();
      expect(body).toMatchObject({ error: { type: 'invalid_request_error', param: 'rules[0].times' } });
      expect(simulator.faults.list()).toEqual([]);
    });

    test('GET /_sim/stats counts requests by model and by outcome', async () => {
      const statsUrl = simulator.url.replace(/\/v1$/, '/_sim/stats');
      const before = simulator.stats();
      simulator.faults.set([{ kind: 'rate_limit', model: 'stats-model', times: 1 }]);

      await failureOf(client.chat.completions.create(plainRequest('Hi', 'stats-model')));
      await contentOf(plainRequest('Hi', 'stats-model'));
      const after = await (await fetch(statsUrl)).json() as ReturnType<RunningSimulator['stats']>;

      expect(after.requests - before.requests).toBe(2);
      expect(after.byModel['stats-model']).toBe(2);
      expect((after.byOutcome.rate_limit ?? 0) - (before.byOutcome.rate_limit ?? 0)).toBe(1);
      expect((after.byOutcome.ok ?? 0) - (before.byOutcome.ok ?? 0)).toBe(1);
    });
  });
});

describe('simulator shutdown', () => {
  test('close() finishes quickly while a timeout fault holds a request open', async () => {
    const simulator = await startSimulator({ logger: false });
    simulator.faults.set([{ kind: 'timeout' }]);
    const held = fetch(`${simulator.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(plainRequest('Hi')),
    }).catch((err: unknown) => err);
    while ((simulator.stats().byOutcome.timeout ?? 0) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const started = Date.now();
    await simulator.close();

    expect(Date.now() - started).toBeLessThan(1000);
    // fetch's errors come from Node's realm, not jest's, so the name is checked instead of the class.
    expect(await held).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });
});
