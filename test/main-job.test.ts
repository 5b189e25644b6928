import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '../workers/free-port';

const projectRoot = resolve(__dirname, '..');

interface JobOutcome {
  code: number | null;
  output: string;
}

/** Runs the main job as a user would, on free ports and a fresh data folder, in CI mode so that it exits. */
async function runMainJob(): Promise<JobOutcome> {
  const dataDir = mkdtempSync(join(tmpdir(), 'genai-flow-main-'));
  const simulatorPort = await findFreePort();
  const configFile = join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({
    dataDir,
    api: { port: 0 },
    providers: { simulator: { baseUrl: `http://127.0.0.1:${simulatorPort}/v1`, models: ['sim-large', 'sim-small'] } },
  }));

  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', GENAI_CONFIG: configFile,
    TEMPORAL_DEV_PORT: String(await findFreePort()), TEMPORAL_UI_PORT: String(await findFreePort()) };
  delete env.TEMPORAL_ADDRESS;

  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { cwd: projectRoot, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('the main job', () => {
  let outcome: JobOutcome;

  beforeAll(async () => {
    outcome = await runMainJob();
  }, 180_000);

  test('exits with success after the examples when CI is set', () => {
    expect(outcome.output).not.toContain('main job failed');
    expect(outcome.code).toBe(0);
  });

  test('digests real release notes to a completed, simulated result', () => {
    expect(outcome.output).toMatch(/== release digest \(input: \/usr\/share\/doc\/git\/RelNotes\/[\d.]+\.txt\)/);
    expect(outcome.output).toContain('status: completed; template release-digest@1; answered by simulator/sim-large');
    expect(outcome.output).toContain('(simulated)');
  });

  test('leaves the diff review waiting for a person, with a link to the run in the Temporal UI', () => {
    expect(outcome.output).toContain('== diff review (input: git commit');
    expect(outcome.output).toMatch(/run: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\//);
    expect(outcome.output).toContain('/workflows/gen-example~diff-review-');
    expect(outcome.output).toContain('waiting for review');
  });
});
