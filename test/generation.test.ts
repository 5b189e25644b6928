import { findRecentDiff, findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import { templateKey, tenantKey } from '../workflows/search-attributes';
import type { ReleaseDigest } from '../prompts/release-digest/v1/template';
import type { DiffReview } from '../prompts/diff-review/v1/template';
import { filesChangedIn } from '../prompts/checks';
import { loadDocuments } from '../scripts/benchmark/workload';

describe('a generation on the happy path', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    // The large-document tenant is on a tier without a daily token budget.
    env = await startTestEnvironment(() => ({ quotas: { tenants: { large: { tier: 'enterprise' } } } }));
  });

  afterAll(async () => {
    await env.stop();
  });

  test('a release digest of real release notes completes with quotes found in the source', async () => {
    const notes = findReleaseNotes();
    const { workflowId } = await env.generations.start({
      tenant: 'happy',
      templateId: 'release-digest',
      input: { document: notes.text, product: 'git' },
    });

    const result = await env.generations.result(workflowId);
    const digest = result.output as ReleaseDigest;

    expect(result.status).toBe('completed');
    expect(result.validation.flags).toEqual([]);
    expect(digest.highlights.length).toBeGreaterThan(0);
    const collapsed = notes.text.replace(/\s+/g, ' ');
    for (const item of digest.highlights) {
      expect(collapsed).toContain(item.quote.replace(/\s+/g, ' ').trim());
    }
  });

  test('the result names the provider and model that answered, the template version and token usage', async () => {
    const { workflowId } = await env.generations.start({
      tenant: 'happy',
      templateId: 'release-digest',
      input: { document: findReleaseNotes().text },
    });

    const result = await env.generations.result(workflowId);

    expect(result.answeredBy).toEqual({ provider: 'simulator', model: 'sim-large' });
    expect(result.template).toEqual({ id: 'release-digest', version: 1 });
    expect(result.simulated).toBe(true);
    expect(result.usage.inputTokens).toBeGreaterThan(100);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  test('a review of a real diff completes with findings on files the diff changes', async () => {
    const diff = findRecentDiff();
    const { workflowId } = await env.generations.start({
      tenant: 'happy',
      templateId: 'diff-review',
      input: { diff: diff.text },
      review: { policy: 'never' },
    });

    const result = await env.generations.result(workflowId);
    const review = result.output as DiffReview;
    const changed = filesChangedIn(diff.text);

    expect(result.status).toBe('completed');
    expect(review.findings.length).toBeGreaterThan(0);
    for (const finding of review.findings) {
      expect(changed.has(finding.file)).toBe(true);
    }
  });

  test('a finished run is found in visibility by its tenant and template search attributes', async () => {
    const tenant = `sa-${Date.now()}`;
    const { workflowId } = await env.generations.start({
      tenant,
      templateId: 'release-digest',
      input: { document: findReleaseNotes().text },
    });
    await env.generations.result(workflowId);

    const query = `${tenantKey.name} = '${tenant}' AND ${templateKey.name} = 'release-digest' AND GenStage = 'done'`;
    const found = await waitForVisibility(env, query);

    expect(found).toEqual([workflowId]);
  });

  test('the same idempotency key returns the existing run instead of starting a second one', async () => {
    const request = {
      tenant: 'happy',
      templateId: 'release-digest',
      idempotencyKey: `same-${Date.now()}`,
      input: { document: findReleaseNotes().text },
    };

    const first = await env.generations.start(request);
    const second = await env.generations.start(request);

    expect(second.workflowId).toBe(first.workflowId);
    expect(second.existing).toBe(true);
  });

  test('a 5 MB document completes and no event of its history comes near the payload limit', async () => {
    const document = fiveMegabytesOfReleaseNotes();
    const { workflowId } = await env.generations.start({ tenant: 'large', templateId: 'release-digest',
      input: { document }, review: { policy: 'never' } });

    const result = await env.generations.result(workflowId);
    const history = await env.generations.history(workflowId);
    const largestEvent = Math.max(...(history.events ?? []).map((event) => JSON.stringify(event).length));

    expect(result.status).toBe('completed');
    expect(largestEvent).toBeLessThan(128 * 1024);
  }, 180_000);
});

function fiveMegabytesOfReleaseNotes(): string {
  const notes = loadDocuments().join('\n');
  let text = '';
  while (Buffer.byteLength(text, 'utf8') < 5 * 1024 * 1024) {
    text += notes;
  }
  return text;
}

async function waitForVisibility(env: TestEnvironment, query: string): Promise<string[]> {
  for (let i = 0; i < 50; i += 1) {
    const ids: string[] = [];
    for await (const run of env.client.workflow.list({ query })) {
      ids.push(run.workflowId);
    }
    if (ids.length > 0) {
      return ids;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return [];
}
