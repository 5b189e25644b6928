import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { allSearchAttributeKeys } from '../workflows/search-attributes';
import { type RunningDevServer, startDevServer } from './dev-server';
import { ensureTemporalCli } from './temporal-cli';

/** Where the product's Temporal Service is, and the dev server when we started one. */
export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  /** Base URL of the Web UI when known (the dev server's, or `temporalUiUrl` from config). */
  uiUrl?: string;
  devServer?: RunningDevServer;
}

/**
 * Follows Temporal's env-config conventions: with `TEMPORAL_ADDRESS` (or a `TEMPORAL_PROFILE`) set, connect
 * there and start nothing; otherwise start the embedded dev server on a SQLite file in the data folder.
 */
export async function resolveTemporalTarget(config: AppConfig, logger: Logger,
  env: NodeJS.ProcessEnv = process.env, announce: (message: string) => void = () => undefined):
  Promise<TemporalTarget> {
  if (env.TEMPORAL_ADDRESS || env.TEMPORAL_PROFILE) {
    const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
    const target = { connectionOptions, namespace,
      uiUrl: config.temporalUiUrl };
    logger.info({ address: connectionOptions.address, namespace }, 'using the configured Temporal Service');
    await registerSearchAttributes(target, logger);
    return target;
  }

  const dataDir = resolve(config.dataDir);
  const devServer = await startDevServer({
    cliPath: ensureTemporalCli(logger, env, announce),
    dbFile: join(dataDir, 'temporal.sqlite'),
    logFile: join(dataDir, 'logs', 'temporal.log'),
    port: Number(env.TEMPORAL_DEV_PORT ?? 7233),
    uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
    // One partition per queue: the embedded server serves one machine, and priority order is then exact.
    singlePartition: true,
  }, logger);

  return {
    connectionOptions: { address: devServer.address },
    namespace: devServer.namespace,
    uiUrl: devServer.uiUrl,
    devServer,
  };
}

const indexedTypes = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

/**
 * A cluster does not know our search attributes until they are registered. Registering is idempotent;
 * Temporal Cloud refuses this call, and there they are added once with tcld or the Cloud UI instead.
 */
export async function registerSearchAttributes(target: TemporalTarget, logger: Logger): Promise<void> {
  const connection = await Connection.connect(target.connectionOptions);
  try {
    const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const key of allSearchAttributeKeys) {
      searchAttributes[key.name] = indexedTypes[key.type];
    }
    await connection.operatorService.addSearchAttributes({ namespace: target.namespace, searchAttributes });
    logger.info({ namespace: target.namespace }, 'search attributes registered');
  } catch (err) {
    logger.warn({ err }, 'could not register search attributes; register them by hand if runs fail to start');
  } finally {
    await connection.close();
  }
}

/** The Web UI page of one run. */
export function runUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  if (!uiUrl) {
    return undefined;
  }

  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
