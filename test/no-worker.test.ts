import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { GenerationClient } from '../client/generation-client';
import { ProductError } from '../common/errors';
import { findReleaseNotes } from '../workers/examples';
import { temporalAddress } from './helpers/environment';

describe('reading and deciding while no worker runs', () => {
  let connection: Connection;
  let generations: GenerationClient;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    // Nothing polls this queue, as when every worker is down.
    generations = new GenerationClient({ client: new Client({ connection }), taskQueue: `idle-${randomUUID()}`,
      queryTimeoutMs: 1_000, decisionTimeoutMs: 1_500 });
  });

  afterAll(async () => {
    await connection.close();
  });

  test('the status of a running generation is read from its search attributes', async () => {
    const { workflowId } = await generations.start({ tenant: 'idle', templateId: 'release-digest',
      input: { document: findReleaseNotes().text } });

    const view = await generations.get(workflowId);

    expect(view.status).toBe('RUNNING');
    expect(view.stateSource).toBe('search-attributes');
    expect(view.state?.stage).toBe('queued');
  });

  test('a decision that no worker accepts in time fails with WORKER_UNAVAILABLE', async () => {
    const { workflowId } = await generations.start({ tenant: 'idle', templateId: 'release-digest',
      input: { document: findReleaseNotes().text } });

    const failure = await generations.decide(workflowId, { decision: 'approve', reviewer: 'ana' })
      .catch((err: unknown) => err);

    expect((failure as ProductError).code).toBe('WORKER_UNAVAILABLE');
  });
});
