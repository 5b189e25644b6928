import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../../common/logger';
import { startDevServer } from '../../workers/dev-server';
import { ensureTemporalCli } from '../../workers/temporal-cli';
import { setSharedDevServer, setSharedRedis } from './shared-server';
import { startRedisServer } from '../helpers/redis-server';

/**
 * One real Temporal dev server for the whole run, on a fresh SQLite file, and one workflow bundle that every
 * test worker reuses. `TEMPORAL_ADDRESS` set by the caller points the tests at an existing server instead.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger('test-setup', { level: 'info' });
  const workDir = mkdtempSync(join(tmpdir(), 'genai-flow-test-'));
  process.env.TEST_WORK_DIR = workDir;

  if (process.env.TEMPORAL_ADDRESS) {
    process.env.TEST_TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS;
  } else {
    const server = await startDevServer({
      cliPath: ensureTemporalCli(logger, process.env, (message) => console.log(message)),
      dbFile: join(workDir, 'temporal.sqlite'),
      logFile: join(workDir, 'temporal.log'),
      singlePartition: true,
    }, logger);
    setSharedDevServer(server);
    process.env.TEST_TEMPORAL_ADDRESS = server.address;
    process.env.TEST_TEMPORAL_DB = join(workDir, 'temporal.sqlite');
  }

  if (process.env.TEST_STORE === 'redis') {
    const redis = await startRedisServer();
    setSharedRedis(redis);
    process.env.TEST_REDIS_URL = redis.url;
  }

  const bundle = await bundleWorkflowCode({
    workflowsPath: resolve(__dirname, '../../workflows'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
      warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
  });
  const bundlePath = join(workDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
