/**
 * The REST API on its own, for deployments that run API and workers apart. It connects to the Temporal
 * Service named by Temporal's env-config (`TEMPORAL_ADDRESS`, ...); set `API_PORT` and `TEMPORAL_UI_URL` as needed.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { configuredModels, loadConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { GenerationClient } from '../generation-client';
import { openSharedStores } from '../../activities/stores';
import { buildApiServer } from './server';

async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api');

  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const connection = await Connection.connect(connectionOptions);
  const client = new Client({ connection, namespace });
  const stores = openSharedStores(config);
  const generations = new GenerationClient({ client, taskQueue: config.taskQueue,
    uiUrl: process.env.TEMPORAL_UI_URL ?? config.temporalUiUrl, knownModels: configuredModels(config),
    payloads: stores.cache,
    payloadThresholdBytes: config.store.payloadThresholdBytes });

  const api = buildApiServer({ generations, logger });
  await api.listen({ host: config.api.host, port: Number(process.env.API_PORT ?? config.api.port) });

  const stop = async () => {
    await api.close();
    await connection.close();
    await stores.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

run().catch((err: unknown) => {
  console.error('api failed:', err);
  process.exit(1);
});
