import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ReserveWorkerInput } from './reserve-worker';

const projectRoot = resolve(__dirname, '../..');
const workerScript = 'test/stores/reserve-worker.ts';

/** Leaves every process time to read the start time and spin up to it. */
const startDelayMs = 200;

/**
 * Runs one worker process per input, lets them all start reserving at the same moment, and returns how many
 * reservations each was granted.
 */
export async function runReserveWorkers(inputs: ReserveWorkerInput[]): Promise<number[]> {
  const workers = inputs.map((input) => startWorker(input));

  try {
    await Promise.all(workers.map((worker) => worker.nextLine()));

    const startAtMs = Date.now() + startDelayMs;
    for (const worker of workers) {
      worker.child.stdin.end(String(startAtMs));
    }

    return await Promise.all(workers.map((worker) => worker.result()));
  } finally {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
      }
    }
  }
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  nextLine(): Promise<string>;
  result(): Promise<number>;
}

function startWorker(input: ReserveWorkerInput): Worker {
  // `node --import tsx` runs the script in this one process, which the test can kill by its id.
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(input)], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  const exited = new Promise<void>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (code === 0) {
        done();
      } else {
        fail(new Error(`reserve worker ${input.worker} exited (${signal ?? code}): ${stderr}`));
      }
    });
  });
  // A clean exit may come before the last line is read, so only a failed exit cuts a wait for a line short.
  const failed = exited.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);

  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), failed]);
    if (line.done) {
      throw new Error(`reserve worker ${input.worker} ended without answering: ${stderr}`);
    }
    return line.value;
  };

  return {
    child,
    nextLine,
    result: async () => {
      const { granted } = JSON.parse(await nextLine()) as { granted: number };
      await exited;
      return granted;
    },
  };
}
