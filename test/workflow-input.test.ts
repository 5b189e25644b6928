import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { generationWorkflowName } from '../workflows/contract';
import { startTestEnvironment, type TestEnvironment } from './helpers/environment';

describe('bad input that reaches the workflow directly', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await startTestEnvironment();
  });

  afterAll(async () => {
    await env.stop();
  });

  async function failureOf(input: unknown): Promise<ApplicationFailure> {
    const handle = await env.client.workflow.start(generationWorkflowName, {
      taskQueue: env.config.taskQueue,
      workflowId: `bad-${Date.now()}-${Math.random()}`,
      args: [input],
    });
    const err: unknown = await handle.result().catch((error: unknown) => error);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return (err as WorkflowFailedError).cause as ApplicationFailure;
  }

  test('a template input that fails its schema fails the run with TEMPLATE_INPUT_INVALID', async () => {
    const failure = await failureOf({ tenant: 't', templateId: 'release-digest', input: { document: 'short' } });

    expect(failure.type).toBe('TEMPLATE_INPUT_INVALID');
  });

  test('an unknown template version fails the run with TEMPLATE_NOT_FOUND', async () => {
    const failure = await failureOf({ tenant: 't', templateId: 'release-digest', templateVersion: 99, input: {} });

    expect(failure.type).toBe('TEMPLATE_NOT_FOUND');
  });
});
