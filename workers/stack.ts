import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { GenerationClient } from '../client/generation-client';
import { buildApiServer } from '../client/api/server';
import { type AppConfig, configuredModels } from '../common/config';
import type { Logger } from '../common/logger';
import { startSimulator } from '../simulator/server';
import { resolveTemporalTarget, type TemporalTarget } from './temporal-target';
import { GenerationWorkers } from './worker';
import { openSharedStores } from '../activities/stores';

/** Every part of the product running in one process, as the main job uses it. */
export interface RunningStack {
  temporal: TemporalTarget;
  apiUrl: string;
  simulatorUrl?: string;
  generations: GenerationClient;
  stop(): Promise<void>;
}

/**
 * Starts, in order: the Temporal Service (or connects to the configured one), the provider simulator when the
 * config names it, a worker, and the REST API. Stops in the reverse order.
 */
export async function startStack(config: AppConfig, logger: Logger,
  announce: (message: string) => void = () => undefined): Promise<RunningStack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.warn({ err }, 'stopping a part failed'));
    }
  };

  try {
    const temporal = await resolveTemporalTarget(config, logger, process.env, announce);
    if (temporal.devServer) {
      const devServer = temporal.devServer;
      stops.push(() => devServer.stop());
    }

    const simulatorUrl = await maybeStartSimulator(config, logger, stops);

    const workerConnection = await NativeConnection.connect(temporal.connectionOptions);
    stops.push(() => workerConnection.close());
    const workers = await GenerationWorkers.create({ connection: workerConnection, namespace: temporal.namespace,
      config, logger: logger.child({ component: 'worker' }) });
    const workersRun = workers.run();
    stops.push(async () => {
      workers.shutdown();
      await workersRun;
    });

    const connection = await Connection.connect(temporal.connectionOptions);
    stops.push(() => connection.close());
    const apiStores = openSharedStores(config);
    stops.push(() => apiStores.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const generations = new GenerationClient({ client, taskQueue: config.taskQueue, uiUrl: temporal.uiUrl,
      knownModels: configuredModels(config), payloads: apiStores.cache,
      payloadThresholdBytes: config.store.payloadThresholdBytes });

    const api = buildApiServer({ generations, logger: logger.child({ component: 'api' }) });
    const apiUrl = await api.listen({ host: config.api.host, port: config.api.port });
    stops.push(() => closeApi(api));

    return { temporal, apiUrl, simulatorUrl, generations, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function maybeStartSimulator(config: AppConfig, logger: Logger, stops: Array<() => Promise<void>>):
  Promise<string | undefined> {
  const provider = config.providers.simulator;
  if (!provider) {
    return undefined;
  }

  const url = new URL(provider.baseUrl);
  const simulator = await startSimulator({ host: url.hostname, port: Number(url.port),
    logger: logger.child({ component: 'simulator' }) });
  stops.push(() => simulator.close());
  return simulator.url;
}

async function closeApi(api: FastifyInstance): Promise<void> {
  await api.close();
}
