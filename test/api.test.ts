import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../client/api/server';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import { tenantKey } from '../workflows/search-attributes';

/** The fields these tests read from API responses; each test checks the ones it needs. */
interface ResponseBody {
  error?: { code: string; field?: string };
  workflowId?: string;
  status?: string;
  reviews?: Array<{ workflowId: string }>;
  review?: { decision: string; reviewer: string };
  result?: { status: string };
}

interface JsonResponse {
  status: number;
  body: ResponseBody;
}

describe('the REST API', () => {
  let env: TestEnvironment;
  let api: FastifyInstance;
  let baseUrl: string;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment();
    api = buildApiServer({ generations: env.generations, logger: env.logger });
    baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });
    document = findReleaseNotes().text;
  });

  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  async function post(path: string, body: unknown): Promise<JsonResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ResponseBody };
  }

  async function get(path: string): Promise<JsonResponse> {
    const response = await fetch(`${baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as ResponseBody };
  }

  async function runsOf(tenant: string): Promise<number> {
    const { count } = await env.client.workflow.count(`${tenantKey.name} = '${tenant}'`);
    return count;
  }

  test('a bad template input is a 400 with its code and field, and starts nothing', async () => {
    const tenant = `bad-input-${Date.now()}`;

    const response = await post('/v1/generations', { tenant, templateId: 'release-digest', input: { document: 7 } });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'TEMPLATE_INPUT_INVALID', field: 'document' });
    expect(await runsOf(tenant)).toBe(0);
  });

  test('a missing tenant is a 400 naming the tenant field', async () => {
    const response = await post('/v1/generations', { templateId: 'release-digest', input: { document } });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'REQUEST_INVALID', field: 'tenant' });
  });

  test('an unknown template is a 404 with its code', async () => {
    const response = await post('/v1/generations', { tenant: 't', templateId: 'nope', input: {} });

    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe('TEMPLATE_NOT_FOUND');
  });

  test('a body that is not JSON is a 400 with the request code', async () => {
    const response = await post('/v1/generations', '{not json');

    expect(response.status).toBe(400);
    expect(response.body.error?.code).toBe('REQUEST_INVALID');
  });

  test('an unknown generation id is a 404', async () => {
    const response = await get('/v1/generations/gen-nobody-nothing');

    expect(response.status).toBe(404);
    expect(response.body.error?.code).toBe('GENERATION_NOT_FOUND');
  });

  test('a malformed URL and an over-long id get the error shape and codes of every other error', async () => {
    const badUrl = await get('/v1/generations/%ZZ');
    const longId = await get(`/v1/generations/${'x'.repeat(5_000)}`);

    expect(badUrl).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
    expect(longId).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
  });

  test('an edit nested thousands of levels deep is refused as invalid, not a crash', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;

    const response = await post('/v1/generations/gen-any~deep/review',
      `{"decision":"edit","reviewer":"t","output":${deep}}`);

    expect(response).toMatchObject({ status: 400, body: { error: { code: 'REVIEW_DECISION_INVALID',
      field: 'output' } } });
  });

  test('a generation started over HTTP can be listed as pending, approved over HTTP, and read back', async () => {
    const started = await post('/v1/generations', {
      tenant: 'api',
      templateId: 'release-digest',
      input: { document },
      review: { policy: 'always' },
    });
    expect(started.status).toBe(202);
    const workflowId = started.body.workflowId ?? '';

    const pending = await waitFor(async () => {
      const reviews = (await get('/v1/reviews')).body.reviews ?? [];
      return reviews.some((review) => review.workflowId === workflowId);
    });
    const decided = await post(`/v1/generations/${workflowId}/review`, { decision: 'approve', reviewer: 'dee' });
    const finished = await waitFor(async () =>
      (await get(`/v1/generations/${workflowId}`)).body.status === 'COMPLETED');
    const view = await get(`/v1/generations/${workflowId}`);

    expect(pending).toBe(true);
    expect(decided.status).toBe(200);
    expect(decided.body.review).toMatchObject({ decision: 'approve', reviewer: 'dee' });
    expect(finished).toBe(true);
    expect(view.body.result?.status).toBe('approved');
  });

  test('a decision with no reviewer is a 400 naming the reviewer field', async () => {
    const response = await post('/v1/generations/gen-any-id/review', { decision: 'approve' });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'REVIEW_DECISION_INVALID', field: 'reviewer' });
  });

  test.each(['1', '0.5', '10000000 years', '91 days'])('a review deadline of "%s" is refused naming the field',
    async (deadline) => {
      const response = await post('/v1/generations', { tenant: 't', templateId: 'release-digest',
        input: { document }, review: { deadline } });

      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'REQUEST_INVALID', field: 'review.deadline' });
    });

  test('a chain naming an unknown provider is refused before anything starts', async () => {
    const tenant = `chain-${Date.now()}`;

    const response = await post('/v1/generations', { tenant, templateId: 'release-digest', input: { document },
      chain: [{ provider: 'nope', model: 'x' }] });
    const { count } = await env.client.workflow.count(`GenTenant = '${tenant}'`);

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'REQUEST_INVALID', field: 'chain.0' });
    expect(count).toBe(0);
  });

  test('two tenants whose names and keys join alike get separate runs', async () => {
    const stamp = Date.now();
    const first = await post('/v1/generations', { tenant: `a-${stamp}`, templateId: 'release-digest',
      input: { document }, idempotencyKey: 'b-c' });
    const second = await post('/v1/generations', { tenant: 'a', templateId: 'release-digest',
      input: { document }, idempotencyKey: `${stamp}-b-c` });

    expect(second.status).toBe(202);
    expect(second.body.workflowId).not.toBe(first.body.workflowId);
  });

  test('a repeated idempotency key with a different request is refused', async () => {
    const key = `reuse-${Date.now()}`;
    await post('/v1/generations', { tenant: 'reuse', templateId: 'release-digest', input: { document },
      idempotencyKey: key });

    const response = await post('/v1/generations', { tenant: 'reuse', templateId: 'release-digest',
      input: { document, tone: 'formal' }, idempotencyKey: key });

    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: key });
  });

  test('the longest tenant and key make an id that can still be read back', async () => {
    const started = await post('/v1/generations', { tenant: 't'.repeat(64), templateId: 'release-digest',
      input: { document }, idempotencyKey: `${Date.now()}`.padEnd(128, 'k') });

    const response = await fetch(`${baseUrl}/v1/generations/${started.body.workflowId ?? ''}`);

    expect(started.status).toBe(202);
    expect(response.status).toBe(200);
  });

  test('a document over the byte limit is refused even when its characters are fewer', async () => {
    const response = await post('/v1/generations', { tenant: 't', templateId: 'release-digest',
      input: { document: 'é'.repeat(4_200_000) } });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'TEMPLATE_INPUT_INVALID', field: 'document' });
  });
});

async function waitFor(check: () => Promise<boolean>, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i += 1) {
    if (await check()) {
      return true;
    }
    await new Promise((done) => setTimeout(done, 150));
  }
  return false;
}
