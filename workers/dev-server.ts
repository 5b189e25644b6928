import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../common/logger';
import { allSearchAttributeKeys } from '../workflows/search-attributes';
import { findFreePort } from './free-port';
import { assertPortFree, stopStaleDevServer, writePidFile } from './stale-server';

export interface DevServerOptions {
  cliPath: string;
  dbFile: string;
  logFile: string;
  namespace?: string;
  port?: number;
  uiPort?: number;
  /** One partition per task queue makes priority order exact, which tests rely on. */
  singlePartition?: boolean;
  startupTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  cliPath: string;
  uiUrl: string;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const typeNames = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double',
  DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' } as const;

/**
 * Starts the Temporal CLI's dev server on a SQLite file, with the Web UI, the product's search attributes,
 * and priority and fairness switched on (server 1.29 ignores priority keys without them).
 */
export async function startDevServer(options: DevServerOptions, logger: Logger): Promise<RunningDevServer> {
  const namespace = options.namespace ?? 'default';
  mkdirSync(dirname(options.dbFile), { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });
  const pidFile = `${options.dbFile}.pid`;
  await stopStaleDevServer(pidFile, options.dbFile, logger);

  const port = options.port ?? (await findFreePort());
  const uiPort = options.uiPort ?? (await findFreePort());
  await assertPortFree(port);
  await assertPortFree(uiPort);

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--db-filename', options.dbFile,
    '--namespace', namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    ...allSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${typeNames[key.type]}`]),
    ...dynamicConfig(options.singlePartition ?? false),
  ];

  const log = openSync(options.logFile, 'a');
  const child = spawn(options.cliPath, args, { stdio: ['ignore', log, log] });
  writePidFile(pidFile, child.pid);
  const address = `127.0.0.1:${port}`;
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  logger.info({ address, uiUrl, dbFile: options.dbFile, pid: child.pid }, 'starting Temporal dev server');

  await waitUntilServing(address, child, options.startupTimeoutMs ?? 60_000, options.logFile);
  logger.info({ address }, 'Temporal dev server is serving');

  const stop = async () => {
    await stopProcess(child);
    rmSync(pidFile, { force: true });
  };
  return { address, cliPath: options.cliPath, uiUrl, namespace, process: child, stop };
}

function dynamicConfig(singlePartition: boolean): string[] {
  const values: Record<string, unknown> = {
    'matching.useNewMatcher': true,
    'matching.enableFairness': true,
  };
  if (singlePartition) {
    values['matching.numTaskqueueReadPartitions'] = 1;
    values['matching.numTaskqueueWritePartitions'] = 1;
  }

  return Object.entries(values)
    .flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, logFile: string):
  Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`Temporal dev server exited during startup; see ${logFile}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  child.kill('SIGKILL');
  throw new Error(`Temporal dev server did not serve on ${address} within ${timeoutMs} ms; see ${logFile}`);
}

/** SIGTERM lets the server flush SQLite; SIGKILL only if it hangs. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }

  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
