import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { createLogger } from '../common/logger';
import { startDevServer } from '../workers/dev-server';
import { findFreePort } from '../workers/free-port';
import { ensureTemporalCli } from '../workers/temporal-cli';

const logger = createLogger('dev-server-test', { level: 'silent' });

describe('the embedded dev server launcher', () => {
  test('a server left running on the same database is stopped and replaced, not silently reused', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'genai-flow-dev-'));
    const options = { cliPath: ensureTemporalCli(logger), dbFile: join(folder, 'db.sqlite'),
      logFile: join(folder, 'temporal.log'), port: await findFreePort(), uiPort: await findFreePort() };
    const orphan = await startDevServer(options, logger);

    const replacement = await startDevServer(options, logger);
    const orphanExit = await new Promise((done) => {
      if (orphan.process.exitCode !== null || orphan.process.signalCode !== null) {
        done(orphan.process.signalCode ?? orphan.process.exitCode);
      }
      orphan.process.once('exit', (code, signal) => done(signal ?? code));
    });

    expect(orphanExit).not.toBeNull();
    expect(replacement.process.pid).not.toBe(orphan.process.pid);
    await replacement.stop();
  });

  test('a port held by another program is reported instead of connecting to it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'genai-flow-dev-'));
    const port = await findFreePort();
    const holder: Server = createServer();
    await new Promise<void>((done) => holder.listen(port, '127.0.0.1', done));

    const starting = startDevServer({ cliPath: ensureTemporalCli(logger), dbFile: join(folder, 'db.sqlite'),
      logFile: join(folder, 'temporal.log'), port }, logger);

    await expect(starting).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is already in use/);
    await new Promise((done) => holder.close(done));
  });

  test('a server whose owning run is still alive is left alone and the new start refuses', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'genai-flow-dev-'));
    const options = { cliPath: ensureTemporalCli(logger), dbFile: join(folder, 'db.sqlite'),
      logFile: join(folder, 'temporal.log'), port: await findFreePort(), uiPort: await findFreePort() };
    const running = await startDevServer(options, logger);
    const otherRun = spawn('sleep', ['60']);
    writeFileSync(`${options.dbFile}.pid`, `${running.process.pid} ${otherRun.pid}`);

    const second = startDevServer(options, logger);

    await expect(second).rejects.toThrow(/in use by a running process/);
    expect(running.process.exitCode).toBeNull();
    otherRun.kill('SIGKILL');
    await running.stop();
  });
});
