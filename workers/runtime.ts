import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../common/logger';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's own logs (worker, workflow `log`, activity `log`) into our pino logger. Must run before any
 * connection or worker is created, and only once per process.
 */
export function installRuntimeLogger(logger: Logger, level: LogLevel = 'INFO'): void {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      sdkLogger[levels[entry.level]]({ ...entry.meta }, entry.message);
    }),
  });
}
