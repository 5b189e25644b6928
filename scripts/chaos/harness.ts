import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { GenerationClient } from '../../client/generation-client';
import { createLogger } from '../../common/logger';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { type RunningDevServer, startDevServer } from '../../workers/dev-server';
import { ensureTemporalCli } from '../../workers/temporal-cli';
import { spawnWorkerProcess, waitForExit } from '../../test/helpers/worker-process';

/** Everything one chaos scenario runs against: its own dev server, simulator and worker processes. */
export interface ChaosStack {
  server: RunningDevServer;
  simulator: RunningSimulator;
  generations: GenerationClient;
  /** The Temporal client under `generations`, for calls that need a deadline of their own. */
  client: Client;
  workers: ChildProcess[];
  config: Record<string, unknown> & { taskQueue: string };
  spawnWorker(): ChildProcess;
  /** Resolves once every started worker polls the model queues. */
  ready(): Promise<void>;
  restartServer(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const logger = createLogger('chaos', { level: 'warn' });

export async function startChaosStack(name: string, workDir: string, workerCount: number): Promise<ChaosStack> {
  const serverOptions = { cliPath: ensureTemporalCli(logger), dbFile: join(workDir, `${name}.sqlite`),
    logFile: join(workDir, `${name}-temporal.log`), singlePartition: true };
  let server = await startDevServer(serverOptions, logger);
  const port = Number(server.address.split(':')[1]);
  const simulator = await startSimulator({ logger: false });
  const connection = await Connection.connect({ address: server.address });
  const config = chaosConfig(name, simulator.url, workDir);
  const client = new Client({ connection });
  const generations = new GenerationClient({ client, taskQueue: config.taskQueue });

  let spawned = 0;
  const workers: ChildProcess[] = [];
  const spawnWorker = () => {
    const child = spawnWorkerProcess(server.address, config, `${name}-worker-${spawned}`);
    spawned += 1;
    workers.push(child);
    return child;
  };
  for (let index = 0; index < workerCount; index += 1) {
    spawnWorker();
  }

  return {
    get server() {
      return server;
    },
    simulator,
    generations,
    client,
    workers,
    config,
    spawnWorker,
    ready: () => waitForPollers(connection, `${config.taskQueue}@simulator/sim-large`, workerCount),
    // The server restarts on its own SQLite file and port; workers and clients reconnect by themselves.
    restartServer: async (downMs: number) => {
      await server.stop();
      await new Promise((done) => setTimeout(done, downMs));
      server = await startDevServer({ ...serverOptions, port, uiPort: undefined }, logger);
    },
    stop: async () => {
      await Promise.all(workers.map(async (child) => {
        child.kill('SIGKILL');
        await waitForExit(child);
      }));
      await connection.close();
      await simulator.close();
      await server.stop();
    },
  };
}

function chaosConfig(name: string, simulatorUrl: string, workDir: string): Record<string, unknown> & {
  taskQueue: string; } {
  return {
    taskQueue: `chaos-${name}-${Date.now()}`,
    dataDir: workDir,
    store: { kind: 'sqlite', sqlitePath: join(workDir, `${name}-state.sqlite`) },
    providers: { simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small'], timeout: '30 seconds' } },
    chains: { default: [{ provider: 'simulator', model: 'sim-large' }, { provider: 'simulator', model: 'sim-small' }] },
    // A dead worker is noticed within three seconds; a provider gets five tries before the chain moves on.
    modelCall: { maximumAttempts: 5, initialInterval: '200 milliseconds', maximumInterval: '5 seconds',
      heartbeatTimeout: '3 seconds', startToCloseTimeout: '1 minute' },
    cache: { enabled: false },
    // Hundreds of requests from one tenant: no daily budget to run out of, and room to wait in the queues.
    quotas: { tiers: { chaos: { priority: 1, maxWait: '10 minutes' } }, defaultTier: 'chaos' },
  };
}

async function waitForPollers(connection: Connection, taskQueue: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const description = await connection.workflowService.describeTaskQueue({ namespace: 'default',
      taskQueue: { name: taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY });
    if ((description.pollers?.length ?? 0) >= count) {
      return;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`workers did not start polling ${taskQueue}`);
}
