/**
 * The main job: starts the whole product on this machine, runs the bundled examples on real input through the
 * REST API, prints each result with a link to its run in the Temporal UI, and keeps serving until stopped.
 * With `CI` set it stops after the examples.
 */
import { join, resolve } from 'node:path';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import type { GenerationView, StartedGeneration } from '../client/generation-client';
import { buildExampleRequests, type ExampleRequest } from './examples';
import { installRuntimeLogger } from './runtime';
import { startStack, type RunningStack } from './stack';
import { printExampleOutcome, printServing, printStarted } from './main-output';

const settleTimeoutMs = 5 * 60_000;

async function run(): Promise<void> {
  const config = loadConfig();
  const logFile = join(resolve(config.dataDir), 'logs', 'main.log');
  const logger = createLogger('main', { file: logFile });
  installRuntimeLogger(logger, 'WARN');

  console.log(`Starting the stack (logs: ${logFile}) ...`);
  const stack = await startStack(config, logger, (message) => console.log(message));
  printStarted(stack);

  let failures = 0;
  try {
    for (const example of buildExampleRequests()) {
      const view = await runExample(stack, example);
      failures += printExampleOutcome(example, view, stack) ? 0 : 1;
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }

  if (process.env.CI) {
    await stack.stop();
    process.exitCode = failures > 0 ? 1 : 0;
    return;
  }

  printServing(stack);
  await waitForStopSignal();
  console.log('Stopping ...');
  await stack.stop();
}

/** Starts one example through the REST API and polls until it completes, fails or waits for a person. */
async function runExample(stack: RunningStack, example: ExampleRequest): Promise<GenerationView> {
  console.log(`\n== ${example.name} (input: ${example.source})`);
  const response = await fetch(`${stack.apiUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(example.request),
  });
  const started = (await response.json()) as StartedGeneration;
  if (!response.ok) {
    throw new Error(`the API refused the example: ${JSON.stringify(started)}`);
  }
  console.log(`   started ${started.workflowId}${started.url ? `\n   run: ${started.url}` : ''}`);

  const deadline = Date.now() + settleTimeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.apiUrl}/v1/generations/${started.workflowId}`);
    const view = await response.json() as GenerationView;
    if (!response.ok) {
      throw new Error(`the API could not read ${started.workflowId}: ${JSON.stringify(view)}`);
    }
    const waitingForReview = view.state?.reviewStatus === 'pending';
    if (view.status !== 'RUNNING' || waitingForReview) {
      return view;
    }
    await new Promise((done) => setTimeout(done, 500));
  }

  throw new Error(`${started.workflowId} did not settle within ${settleTimeoutMs / 1000} s`);
}

function waitForStopSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

run().catch((err: unknown) => {
  console.error('main job failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
