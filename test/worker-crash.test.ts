import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { GenerationClient } from '../client/generation-client';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { findReleaseNotes, temporalAddress, testConfig } from './helpers/environment';
import { spawnWorkerProcess, waitForExit } from './helpers/worker-process';

describe('a worker killed during a model call', () => {
  let simulator: RunningSimulator;
  let connection: Connection;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ logger: false });
    connection = await Connection.connect({ address: temporalAddress() });
  });

  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
    }
    await connection.close();
    await simulator.close();
  });

  test('the run completes on a new worker after the first one is killed with SIGKILL mid-call', async () => {
    const config = testConfig(simulator.url, {
      modelCall: { maximumAttempts: 5, initialInterval: '200 milliseconds', maximumInterval: '1 second',
        heartbeatTimeout: '2 seconds', startToCloseTimeout: '2 minutes' },
    });
    const generations = new GenerationClient({ client: new Client({ connection }), taskQueue: config.taskQueue });
    // The first call never answers, so the kill is certain to land while it is in flight.
    simulator.faults.set([{ kind: 'timeout', times: 1 }]);

    const first = spawnWorkerProcess(temporalAddress(), config, 'crash-first');
    workers.push(first);
    const { workflowId } = await generations.start({
      tenant: 'crash',
      templateId: 'release-digest',
      input: { document: findReleaseNotes().text },
    });
    await waitUntil(() => simulator.stats().requests >= 1, 60_000);

    first.kill('SIGKILL');
    const exit = await waitForExit(first);
    const second = spawnWorkerProcess(temporalAddress(), config, 'crash-second');
    workers.push(second);
    const result = await generations.result(workflowId);

    expect(exit).toBe('SIGKILL');
    expect(result.status).toBe('completed');
    expect(simulator.stats().requests).toBe(2);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('condition not met in time');
}
