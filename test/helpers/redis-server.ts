import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const startTimeoutMs = 10_000;

/** A throwaway Redis on loopback that keeps nothing on disk, for tests that need the real server. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: 'ignore' });

  try {
    await waitUntilAnswering(port, child);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(child) };
}

/** The port the kernel hands out for port 0 is free right after it is closed again. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let failure: string | undefined;
  child.once('exit', (code, signal) => {
    failure = `redis-server exited (${signal ?? code})`;
  });
  child.once('error', (err) => {
    failure = `redis-server did not start: ${err.message}`;
  });

  while (Date.now() < deadline) {
    if (failure) {
      throw new Error(failure);
    }
    if (await answersPing(port)) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${startTimeoutMs} ms`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };

    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) {
        finish(reply.startsWith('+PONG'));
      }
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
