import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '../..');

/** A worker in its own process, as production runs it, so a test can kill it with SIGKILL. */
export function spawnWorkerProcess(address: string, config: unknown, name: string): ChildProcess {
  const workDir = process.env.TEST_WORK_DIR ?? '/tmp';
  const configFile = join(workDir, `${name}-config.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const log = openSync(join(workDir, `${name}.log`), 'a');

  // `node --import tsx` keeps the worker in this one process: the tsx CLI would fork a child that a SIGKILL
  // of the parent leaves running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/worker-main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: address, GENAI_CONFIG: configFile, LOG_LEVEL: 'warn' },
    stdio: ['ignore', log, log],
  });
  return child;
}

export function waitForExit(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.signalCode ?? child.exitCode);
  }
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}
