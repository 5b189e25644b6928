import { rmSync } from 'node:fs';
import { takeSharedDevServer } from './shared-server';

export default async function globalTeardown(): Promise<void> {
  await takeSharedDevServer()?.stop();

  if (process.env.TEST_WORK_DIR && !process.env.KEEP_TEST_DATA) {
    rmSync(process.env.TEST_WORK_DIR, { recursive: true, force: true });
  }
}
