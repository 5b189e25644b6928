import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ProductError } from '../common/errors';
import type { ReleaseDigest } from '../prompts/release-digest/v1/template';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import { waitForPendingReview } from './helpers/review';

describe('human review', () => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment();
    document = findReleaseNotes().text;
  });

  afterAll(async () => {
    await env.stop();
  });

  async function startReviewed(deadline = '1 hour', deadlineOutcome: 'approve' | 'reject' = 'reject') {
    const { workflowId } = await env.generations.start({
      tenant: 'review',
      templateId: 'release-digest',
      input: { document },
      review: { policy: 'always', deadline, deadlineOutcome },
    });
    await waitForPendingReview(env, workflowId);
    return workflowId;
  }

  test('an approval releases the model output and records the reviewer and time', async () => {
    const workflowId = await startReviewed();

    const record = await env.generations.decide(workflowId, { decision: 'approve', reviewer: 'ana' });
    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('approved');
    expect(result.output).toEqual(result.validation.output);
    expect(result.review).toMatchObject({ decision: 'approve', reviewer: 'ana', via: 'person' });
    expect(Date.parse(record.decidedAt)).not.toBeNaN();
  });

  test('a rejection releases nothing', async () => {
    const workflowId = await startReviewed();

    await env.generations.decide(workflowId, { decision: 'reject', reviewer: 'ben', comment: 'too vague' });
    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('rejected');
    expect(result.output).toBeNull();
    expect(result.review).toMatchObject({ decision: 'reject', reviewer: 'ben', comment: 'too vague' });
  });

  test('an edit releases the edited output after validating it', async () => {
    const workflowId = await startReviewed();
    const edited: ReleaseDigest = {
      headline: 'Edited headline',
      highlights: [{ text: 'An edited highlight', quote: 'Git v2.39 Release Notes' }],
      breaking_changes: [],
    };

    await env.generations.decide(workflowId, { decision: 'edit', reviewer: 'cy', output: edited });
    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('approved');
    expect(result.output).toEqual(edited);
    expect(result.review?.decision).toBe('edit');
  });

  test('an edit that fails validation is refused with its code and the review stays open', async () => {
    const workflowId = await startReviewed();

    const refused = await env.generations
      .decide(workflowId, { decision: 'edit', reviewer: 'cy', output: { headline: '' } })
      .catch((err: unknown) => err);
    const view = await env.generations.get(workflowId);

    expect(refused).toBeInstanceOf(ProductError);
    expect((refused as ProductError).code).toBe('REVIEW_EDIT_INVALID');
    expect(view.state?.reviewStatus).toBe('pending');

    await env.generations.decide(workflowId, { decision: 'approve', reviewer: 'cy' });
    expect((await env.generations.result(workflowId)).status).toBe('approved');
  });

  test('a decision with an unknown verb is refused before it reaches history', async () => {
    const workflowId = await startReviewed();
    const handle = env.client.workflow.getHandle(workflowId);

    const refused = await handle
      .executeUpdate('review', { args: [{ decision: 'maybe', reviewer: 'x' }] })
      .catch((err: unknown) => err);
    const history = await handle.fetchHistory();
    const updateEvents = (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);

    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(updateEvents).toHaveLength(0);
    await env.generations.decide(workflowId, { decision: 'reject', reviewer: 'x' });
  });

  test('a second decision after the first is refused as not pending', async () => {
    const workflowId = await startReviewed();
    await env.generations.decide(workflowId, { decision: 'approve', reviewer: 'ana' });

    const refused = await env.generations
      .decide(workflowId, { decision: 'reject', reviewer: 'ben' })
      .catch((err: unknown) => err);

    expect((refused as ProductError).code).toBe('REVIEW_NOT_PENDING');
    expect((await env.generations.result(workflowId)).review?.reviewer).toBe('ana');
  });

  test('the review deadline applies the outcome the policy names', async () => {
    const workflowId = await startReviewed('2 seconds', 'reject');

    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('rejected');
    expect(result.review).toMatchObject({ decision: 'reject', reviewer: 'deadline', via: 'deadline' });
  });

  test('a decision acknowledged just before the deadline is the one the run uses', async () => {
    const workflowId = await startReviewed('2 seconds', 'reject');
    const deadline = Date.parse((await env.generations.get(workflowId)).state?.reviewDeadline ?? '');
    const edited = { headline: 'Edited at the wire', highlights: [{ text: 'x', quote: 'Git v2.39 Release Notes' }],
      breaking_changes: [] };
    await new Promise((done) => setTimeout(done, Math.max(0, deadline - Date.now() - 30)));

    const acknowledged = await env.generations
      .decide(workflowId, { decision: 'edit', reviewer: 'late', output: edited })
      .then(() => true, () => false);
    const result = await env.generations.result(workflowId);

    expect(result.review?.via).toBe(acknowledged ? 'person' : 'deadline');
    expect(result.status).toBe(acknowledged ? 'approved' : 'rejected');
  });

  test('a deadline that approves releases the model output', async () => {
    const workflowId = await startReviewed('2 seconds', 'approve');

    const result = await env.generations.result(workflowId);

    expect(result.status).toBe('approved');
    expect(result.review?.via).toBe('deadline');
  });
});
