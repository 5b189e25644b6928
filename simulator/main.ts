/** Runs the provider simulator until SIGINT or SIGTERM: `tsx simulator/main.ts`. */

import { pino } from 'pino';
import { limitsFromEnv, portFromEnv } from './env';
import { startSimulator } from './server';

const logger = pino({ name: 'simulator' });

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function run(): Promise<void> {
  const port = portFromEnv(process.env.SIMULATOR_PORT);
  const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
  const limits = limitsFromEnv(process.env.SIMULATOR_LIMITS);
  const simulator = await startSimulator({ host, port, logger, limits });
  logger.info({ url: simulator.url, limits }, 'simulator listening');

  const signal = await nextStopSignal();
  logger.info({ signal }, 'simulator stopping');
  await simulator.close();
  logger.info('simulator stopped');
}

run().catch((error: unknown) => {
  logger.error({ err: error }, 'simulator failed');
  process.exitCode = 1;
});
