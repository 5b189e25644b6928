import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { GenerationClient } from '../../client/generation-client';
import { parseConfig, type AppConfig } from '../../common/config';
import { createLogger, type Logger } from '../../common/logger';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createGenerationWorker } from '../../workers/worker';

/** Everything one test file needs: its own simulator, task queue and worker, on the shared dev server. */
export interface TestEnvironment {
  simulator: RunningSimulator;
  config: AppConfig;
  client: Client;
  generations: GenerationClient;
  logger: Logger;
  address: string;
  stop(): Promise<void>;
}

export type ConfigOverrides = (simulatorUrl: string) => Record<string, unknown>;

export function temporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest so the global setup runs');
  }
  return address;
}

/** Fast retries so failure paths finish in seconds; production defaults live in common/config.ts. */
export function testConfig(simulatorUrl: string, overrides: Record<string, unknown> = {}): AppConfig {
  return parseConfig({
    taskQueue: `test-${randomUUID()}`,
    providers: { simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small'], timeout: '20 seconds' } },
    modelCall: { maximumAttempts: 3, initialInterval: '100 milliseconds', maximumInterval: '1 second',
      heartbeatTimeout: '3 seconds', startToCloseTimeout: '30 seconds' },
    ...overrides,
  });
}

/** The SDK logs every worker state change at INFO; tests only want its warnings. */
export function quietSdkLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger(process.env.TEST_SDK_LOG_LEVEL === 'WARN' ? 'WARN' : 'ERROR') });
  } catch {
    // Already installed by an earlier call in this module registry.
  }
}

export async function startTestEnvironment(overrides?: ConfigOverrides): Promise<TestEnvironment> {
  quietSdkLogs();
  const logger = createLogger('test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const address = temporalAddress();
  const simulator = await startSimulator({ logger: false });
  const config = testConfig(simulator.url, overrides?.(simulator.url));

  const workerConnection = await NativeConnection.connect({ address });
  const worker = await createGenerationWorker({
    connection: workerConnection,
    namespace: 'default',
    config,
    logger,
    workflowBundle: { code: readFileSync(requiredEnv('TEST_WORKFLOW_BUNDLE'), 'utf8') },
  });
  const running = worker.run();

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const generations = new GenerationClient({ client, taskQueue: config.taskQueue });

  const stop = async () => {
    await stopWorker(worker, running);
    await workerConnection.close();
    await connection.close();
    await simulator.close();
  };

  return { simulator, config, client, generations, logger, address, stop };
}

async function stopWorker(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') {
    worker.shutdown();
  }
  await running;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through jest so the global setup runs`);
  }
  return value;
}

/** A release-notes document taken from this machine, the same real input the main job uses. */
export { findReleaseNotes, findRecentDiff } from '../../workers/examples';
