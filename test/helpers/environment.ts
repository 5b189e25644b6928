import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { GenerationClient } from '../../client/generation-client';
import { configuredModels, parseConfig, type AppConfig } from '../../common/config';
import { createLogger, type Logger } from '../../common/logger';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { GenerationWorkers } from '../../workers/worker';
import { openSharedStores } from '../../activities/stores';
import { spawnWorkerProcess, waitForExit } from './worker-process';

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

export interface EnvironmentOptions {
  /** Worker processes to spawn instead of running the workers in this process (a fleet on one machine). */
  workerProcesses?: number;
}

export function temporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest so the global setup runs');
  }
  return address;
}

/**
 * The shared store the tests run against: a fresh SQLite file, or the Redis server the global setup started
 * when `TEST_STORE=redis` (the fleet form). The same tests pass against both.
 */
export function testStore(id: string): Record<string, unknown> {
  if (process.env.TEST_REDIS_URL) {
    return { kind: 'redis', redisUrl: process.env.TEST_REDIS_URL, keyPrefix: `test:${id}:` };
  }

  return { kind: 'sqlite', sqlitePath: join(process.env.TEST_WORK_DIR ?? tmpdir(), `${id}.sqlite`) };
}

/** Fast retries so failure paths finish in seconds; production defaults live in common/config.ts. */
export function testConfig(simulatorUrl: string, overrides: Record<string, unknown> = {}): AppConfig {
  const id = randomUUID();
  return parseConfig({
    taskQueue: `test-${id}`,
    dataDir: process.env.TEST_WORK_DIR ?? tmpdir(),
    // Most tests count provider calls, so the cache is off unless a test turns it on.
    cache: { enabled: false },
    providers: { simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small'], timeout: '20 seconds' } },
    modelCall: { maximumAttempts: 3, initialInterval: '100 milliseconds', maximumInterval: '1 second',
      heartbeatTimeout: '3 seconds', startToCloseTimeout: '30 seconds' },
    ...overrides,
    // A test may tune the store (its payload threshold) but keeps its own file or key prefix.
    store: { ...testStore(id), ...(overrides.store as Record<string, unknown> | undefined) },
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

export async function startTestEnvironment(overrides?: ConfigOverrides, options: EnvironmentOptions = {}):
  Promise<TestEnvironment> {
  quietSdkLogs();
  const logger = createLogger('test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const address = temporalAddress();
  const simulator = await startSimulator({ logger: false });
  const config = testConfig(simulator.url, overrides?.(simulator.url));

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const clientStores = openSharedStores(config);
  const generations = new GenerationClient({ client, taskQueue: config.taskQueue,
    knownModels: configuredModels(config), payloads: clientStores.cache,
    payloadThresholdBytes: config.store.payloadThresholdBytes });

  if (options.workerProcesses) {
    const processes = Array.from({ length: options.workerProcesses },
      (_, index) => spawnWorkerProcess(address, config, `${config.taskQueue}-${index}`));
    const stop = async () => {
      await Promise.all(processes.map(async (child) => {
        child.kill('SIGTERM');
        await waitForExit(child);
      }));
      await connection.close();
      await clientStores.close();
      await simulator.close();
    };
    return { simulator, config, client, generations, logger, address, stop };
  }

  const workerConnection = await NativeConnection.connect({ address });
  const workers = await GenerationWorkers.create({
    connection: workerConnection,
    namespace: 'default',
    config,
    logger,
    workflowBundle: { code: readFileSync(requiredEnv('TEST_WORKFLOW_BUNDLE'), 'utf8') },
  });
  const running = workers.run();

  const stop = async () => {
    workers.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await clientStores.close();
    await simulator.close();
  };

  return { simulator, config, client, generations, logger, address, stop };
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
