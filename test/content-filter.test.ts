import { ProductError } from '../common/errors';
import type { ReleaseDigest } from '../prompts/release-digest/v1/template';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import { waitForPendingReview } from './helpers/review';

describe('content filtered by a provider', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment();
    document = findReleaseNotes().text;
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await env.stop();
  });

  const start = (onContentFilter?: 'fallback' | 'review') => env.generations.start({ tenant: 'filters',
    templateId: 'release-digest', input: { document }, review: { policy: 'never', onContentFilter } });

  test('under the fallback policy a filtered prompt goes to the next model, without a retry', async () => {
    env.simulator.faults.set([{ kind: 'content_filter', model: 'sim-large' }]);
    const before = env.simulator.stats().byModel['sim-large'] ?? 0;

    const result = await env.generations.result((await start('fallback')).workflowId);

    expect((env.simulator.stats().byModel['sim-large'] ?? 0) - before).toBe(1);
    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'CONTENT_FILTERED' });
    expect(result.answeredBy.model).toBe('sim-small');
    expect(result.status).toBe('completed');
  });

  test('an answer the provider filtered on the way out is passed over like a filtered prompt', async () => {
    env.simulator.faults.set([{ kind: 'content_filter_output', model: 'sim-large' }]);

    const result = await env.generations.result((await start()).workflowId);

    expect(result.attempts[0]).toMatchObject({ model: 'sim-large', errorCode: 'CONTENT_FILTERED' });
    expect(result.answeredBy.model).toBe('sim-small');
  });

  test('under the review policy a filtered answer waits for a person, who may write the output', async () => {
    env.simulator.faults.set([{ kind: 'content_filter_output', model: 'sim-large' }]);
    const smallBefore = env.simulator.stats().byModel['sim-small'] ?? 0;
    const { workflowId } = await start('review');
    await waitForPendingReview(env, workflowId);

    const view = await env.generations.get(workflowId);
    const approval = await env.generations.decide(workflowId, { decision: 'approve', reviewer: 'ana' })
      .catch((err: unknown) => err);
    const written: ReleaseDigest = {
      headline: 'Written by a reviewer',
      highlights: [{ text: 'A highlight', quote: 'Git v2.39 Release Notes' }],
      breaking_changes: [],
    };
    await env.generations.decide(workflowId, { decision: 'edit', reviewer: 'ana', output: written });
    const result = await env.generations.result(workflowId);

    expect(view.state?.reviewReason).toBe('content_filtered');
    expect(view.state?.validation?.flags).toEqual(['content_filtered']);
    expect((approval as ProductError).code).toBe('REVIEW_DECISION_INVALID');
    expect(result.status).toBe('approved');
    expect(result.output).toEqual(written);
    expect(result.reviewReason).toBe('content_filtered');
    expect(result.attempts).toEqual([expect.objectContaining({ model: 'sim-large', errorCode: 'CONTENT_FILTERED' })]);
    expect((env.simulator.stats().byModel['sim-small'] ?? 0) - smallBefore).toBe(0);
  });

  test('a filtered answer nobody writes in time ends rejected, with nothing released', async () => {
    env.simulator.faults.set([{ kind: 'content_filter', model: 'sim-large' }]);
    const { workflowId } = await env.generations.start({ tenant: 'filters', templateId: 'release-digest',
      input: { document }, review: { onContentFilter: 'review', deadline: '1 second', deadlineOutcome: 'approve' } });

    const result = await env.generations.result(workflowId);

    // The deadline's approval has no output to release.
    expect(result.status).toBe('invalid');
    expect(result.output).toBeNull();
    expect(result.review).toMatchObject({ via: 'deadline' });
  });
});
