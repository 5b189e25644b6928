/**
 * Records one workflow history per path through the generation workflow into test/histories/. The replay test
 * replays them against the current workflow code, so a change that would break running workflows fails CI.
 * Run again (npm run record-histories) only when a change is meant to be incompatible and is versioned;
 * `npm run record-histories -- --missing` records only paths that have no file yet, so the histories of older
 * code stay and keep proving that runs started before a change still replay after it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { GenerationClient } from '../client/generation-client';
import { parseConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { startSimulator } from '../simulator/server';
import { startDevServer } from '../workers/dev-server';
import { findFreePort } from '../workers/free-port';
import { findReleaseNotes } from '../workers/examples';
import { ensureTemporalCli } from '../workers/temporal-cli';
import { GenerationWorkers } from '../workers/worker';
import { recordedPaths } from './history-paths';

const outputFolder = resolve(__dirname, '../test/histories');

async function run(): Promise<void> {
  const logger = createLogger('record-histories', { level: 'warn' });
  const workDir = join(tmpdir(), `genai-flow-histories-${Date.now()}`);
  const server = await startDevServer({ cliPath: ensureTemporalCli(logger), dbFile: join(workDir, 'db.sqlite'),
    logFile: join(workDir, 'temporal.log') }, logger);
  const simulator = await startSimulator({ logger: false });
  const closedPort = await findFreePort();

  const config = parseConfig({
    taskQueue: 'record-histories',
    providers: {
      simulator: { baseUrl: simulator.url, models: ['sim-large', 'sim-small'] },
      down: { baseUrl: `http://127.0.0.1:${closedPort}/v1`, models: ['gone'] },
    },
    modelCall: { maximumAttempts: 2, initialInterval: '100 milliseconds', maximumInterval: '200 milliseconds' },
    dataDir: workDir,
    quotas: {
      tiers: { free: { priority: 4 }, tiny: { priority: 3, dailyTokens: 100 } },
      tenants: { 'history-tiny': { tier: 'tiny' } },
    },
  });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const workers = await GenerationWorkers.create({ connection: workerConnection, namespace: 'default', config,
    logger });
  const connection = await Connection.connect({ address: server.address });
  const generations = new GenerationClient({ client: new Client({ connection }), taskQueue: config.taskQueue });

  try {
    await workers.runUntil(async () => {
      mkdirSync(outputFolder, { recursive: true });
      const onlyMissing = process.argv.includes('--missing');
      for (const path of recordedPaths) {
        const file = join(outputFolder, `${path.name}.json`);
        if (onlyMissing && existsSync(file)) {
          continue;
        }
        const workflowId = await path.drive(generations, { document: findReleaseNotes().text, simulator });
        const history = await generations.history(workflowId);
        writeFileSync(file, historyToJSON(history));
        console.log(`recorded ${path.name}`);
      }
    });
  } finally {
    await connection.close();
    await workerConnection.close();
    await simulator.close();
    await server.stop();
  }
}

run().catch((err: unknown) => {
  console.error('recording failed:', err);
  process.exit(1);
});
