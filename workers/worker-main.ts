/**
 * A worker process on its own: run as many as the load needs, on any machine that reaches the Temporal
 * Service. Connection settings follow Temporal's env-config (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, ...).
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { installRuntimeLogger } from './runtime';
import { GenerationWorkers } from './worker';

async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker');
  installRuntimeLogger(logger, 'WARN');

  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  const workers = await GenerationWorkers.create({ connection, namespace, config, logger });
  logger.info({ address: connectionOptions.address, namespace, taskQueue: config.taskQueue, pid: process.pid },
    'worker started');

  // Workers shut down gracefully on SIGINT and SIGTERM by themselves.
  await workers.run();
  await connection.close();
  logger.info('worker stopped');
}

run().catch((err: unknown) => {
  console.error('worker failed:', err);
  process.exit(1);
});
