/** Runs the provider simulator until SIGINT or SIGTERM: `tsx simulator/main.ts`. */

import { pino } from 'pino';
import { startSimulator } from './server';

const logger = pino({ name: 'simulator' });

function portFromEnv(value: string | undefined): number {
  const port = value === undefined || value.trim() === '' ? 8787 : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SIMULATOR_PORT must be a port number, got "${value}"`);
  }

  return port;
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function run(): Promise<void> {
  const port = portFromEnv(process.env.SIMULATOR_PORT);
  const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
  const simulator = await startSimulator({ host, port, logger });
  logger.info({ url: simulator.url }, 'simulator listening');

  const signal = await nextStopSignal();
  logger.info({ signal }, 'simulator stopping');
  await simulator.close();
  logger.info('simulator stopped');
}

run().catch((error: unknown) => {
  logger.error({ err: error }, 'simulator failed');
  process.exitCode = 1;
});
