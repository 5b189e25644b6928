import { rmSync } from 'node:fs';
import { takeSharedDevServer, takeSharedRedis } from './shared-server';

export default async function globalTeardown(): Promise<void> {
  await takeSharedDevServer()?.stop();
  await takeSharedRedis()?.stop();

  if (process.env.TEST_WORK_DIR && !process.env.KEEP_TEST_DATA) {
    rmSync(process.env.TEST_WORK_DIR, { recursive: true, force: true });
  }
}
