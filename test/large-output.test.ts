import { createHash } from 'node:crypto';
import { editKeyFor, editOrRef, isPayloadRef } from '../activities/payloads';
import { openSharedStores, type SharedStores } from '../activities/stores';
import { ProductError } from '../common/errors';
import type { ReleaseDigest } from '../prompts/release-digest/v1/template';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';
import { historyText } from './helpers/history-text';
import { waitForPendingReview } from './helpers/review';

describe('outputs by reference', () => {
  let env: TestEnvironment;
  let document: string;
  let stores: SharedStores;

  beforeAll(async () => {
    // A low threshold makes the simulator's ordinary answers "large", so the path is taken by every run here.
    env = await startTestEnvironment((simulatorUrl) => ({
      providers: { simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small'] } },
      store: { payloadThresholdBytes: 1024 },
    }));
    document = findReleaseNotes().text;
    stores = openSharedStores(env.config);
  });

  beforeEach(() => {
    env.simulator.faults.clear();
  });

  afterAll(async () => {
    await stores.close();
    await env.stop();
  });

  /** A valid digest well above the 1 KB threshold. */
  function bigEdit(marker: string): ReleaseDigest {
    return {
      headline: marker,
      highlights: Array.from({ length: 8 }, (_, index) => ({ text: `${marker} ${index} ${'x'.repeat(150)}`,
        quote: 'Git v2.39 Release Notes' })),
      breaking_changes: [],
    };
  }

  test('an output above the threshold stays out of history and reaches the caller whole', async () => {
    const { workflowId } = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document }, review: { policy: 'never' } });

    const result = await env.generations.result(workflowId);
    const raw = await env.client.workflow.getHandle(workflowId).result() as { output: unknown };
    const history = historyText(await env.generations.history(workflowId));

    const output = result.output as ReleaseDigest;
    expect(result.status).toBe('completed');
    expect(output.highlights.length).toBeGreaterThan(0);
    expect(result.validation.output).toEqual(output);
    expect(isPayloadRef(raw.output)).toBe(true);
    expect(JSON.stringify(output).length).toBeGreaterThan(1024);
    expect(history).not.toContain(output.highlights[0]?.text);
  });

  test('a large edit from a reviewer travels by reference too', async () => {
    const { workflowId } = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document }, review: { policy: 'always' } });
    await waitForPendingReview(env, workflowId);
    const marker = 'Reviewer wording that must not enter history';
    const edited: ReleaseDigest = {
      headline: marker,
      highlights: Array.from({ length: 8 }, (_, index) => ({ text: `${marker} ${index} ${'x'.repeat(150)}`,
        quote: 'Git v2.39 Release Notes' })),
      breaking_changes: [],
    };

    await env.generations.decide(workflowId, { decision: 'edit', reviewer: 'ana', output: edited });
    const result = await env.generations.result(workflowId);
    const history = historyText(await env.generations.history(workflowId));

    expect(result.status).toBe('approved');
    expect(result.output).toEqual(edited);
    expect(history).not.toContain(marker);
  });

  test('the output under review is shown whole while the run waits for a person', async () => {
    const { workflowId } = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document, product: 'pending-review' }, review: { policy: 'always' } });
    await waitForPendingReview(env, workflowId);

    const view = await env.generations.get(workflowId);
    await env.generations.decide(workflowId, { decision: 'reject', reviewer: 'ana' });

    expect((view.state?.validation?.output as ReleaseDigest).highlights.length).toBeGreaterThan(0);
  });

  test('an edit that points at stored data by a made-up reference is refused as an invalid edit', async () => {
    const { workflowId } = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document, product: 'forged-reference' }, review: { policy: 'always' } });
    await waitForPendingReview(env, workflowId);

    // A key that does not exist, one of other stored data, this run's own stored input (not JSON), and an edit
    // stored for another run.
    const storedInput = `payload:${createHash('sha256').update(document).digest('hex')}`;
    const forged = [
      { $payloadRef: `payload:${'0'.repeat(64)}`, bytes: 5, format: 'json' },
      { $payloadRef: 'circuit:simulator/sim-large:failures', bytes: 5, format: 'json' },
      { $payloadRef: storedInput, bytes: 5, format: 'json' },
      await editOrRef(stores.cache, 'gen-outputs~another-run', bigEdit('stolen'), 1024),
    ];
    const failures: unknown[] = [];
    for (const output of forged) {
      failures.push(await env.generations.decide(workflowId, { decision: 'edit', reviewer: 'eve', output })
        .catch((err: unknown) => err));
    }
    await env.generations.decide(workflowId, { decision: 'reject', reviewer: 'ana' });

    expect(failures.map((failure) => (failure as ProductError).code)).toEqual(Array(4).fill('REVIEW_EDIT_INVALID'));
    expect((failures[3] as ProductError).field).toBe('output');
  });

  test('a large edit that fails the schema, or comes before the review, is refused and stores nothing', async () => {
    env.simulator.faults.set([{ kind: 'slow', delayMs: 4_000, times: 1 }]);
    const early = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document, product: 'early-edit' }, review: { policy: 'always' } });
    const tooEarly = bigEdit('too early');
    const earlyFailure = await env.generations.decide(early.workflowId, { decision: 'edit', reviewer: 'ana',
      output: tooEarly }).catch((err: unknown) => err);
    await waitForPendingReview(env, early.workflowId);
    const invalid = { ...bigEdit('invalid'), headline: 42 };
    const invalidFailure = await env.generations.decide(early.workflowId, { decision: 'edit', reviewer: 'ana',
      output: invalid }).catch((err: unknown) => err);
    await env.generations.decide(early.workflowId, { decision: 'reject', reviewer: 'ana' });

    expect((earlyFailure as ProductError).code).toBe('REVIEW_NOT_PENDING');
    expect((invalidFailure as ProductError).code).toBe('REVIEW_EDIT_INVALID');
    expect((invalidFailure as ProductError).field).toBe('output.headline');
    for (const edit of [tooEarly, invalid]) {
      expect(await stores.cache.get(editKeyFor(early.workflowId, edit), Date.now())).toBeUndefined();
    }
  });

  test('a result whose stored output is gone is reported as PAYLOAD_MISSING', async () => {
    const { workflowId } = await env.generations.start({ tenant: 'outputs', templateId: 'release-digest',
      input: { document, product: 'evicted' }, review: { policy: 'never' } });
    const raw = await env.client.workflow.getHandle(workflowId).result() as { output: { $payloadRef: string } };
    // Expire the stored output at once, as an eviction or the end of its keep would.
    await stores.cache.set(raw.output.$payloadRef, 'gone', 1, Date.now() - 1_000);

    const failure = await env.generations.result(workflowId).catch((err: unknown) => err);

    expect((failure as ProductError).code).toBe('PAYLOAD_MISSING');
    expect((failure as ProductError).status).toBe(410);
  });

  test('a large edit for a run that is not waiting is refused before anything is stored', async () => {
    const workflowId = 'gen-outputs~no-such-run';
    const edit = bigEdit('never stored');

    const failure = await env.generations.decide(workflowId, { decision: 'edit', reviewer: 'ana', output: edit })
      .catch((err: unknown) => err);

    expect((failure as ProductError).code).toBe('GENERATION_NOT_FOUND');
    expect(await stores.cache.get(editKeyFor(workflowId, edit), Date.now())).toBeUndefined();
  });
});
