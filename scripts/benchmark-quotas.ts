/**
 * Drives overload through the real stack (Temporal dev server, worker processes, shared store) against the
 * provider simulator configured to answer 429 above a hard limit, and writes reports/quota-benchmark.{json,md}.
 *
 * Settings (environment): BENCH_RPM (120), BENCH_TPM (2000000), BENCH_DURATION_S (90), BENCH_OVERLOAD (1.5),
 * BENCH_WORKERS ("1,3"), BENCH_REPEAT_SHARE (0.25).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { GenerationClient } from '../client/generation-client';
import { createLogger } from '../common/logger';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startDevServer } from '../workers/dev-server';
import { ensureTemporalCli } from '../workers/temporal-cli';
import { spawnWorkerProcess, waitForExit } from '../test/helpers/worker-process';
import { benchmarkConfig, loadDocuments, pickRequest, tierOfTenant, type BenchRequest } from './benchmark/workload';
import { percentile, round } from './benchmark/stats';
import { type QuotaRunReport, writeQuotaReport } from './benchmark/quota-report';
import type { GenerationResult } from '../workflows/contract';

const settings = {
  rpm: Number(process.env.BENCH_RPM ?? 120),
  tpm: Number(process.env.BENCH_TPM ?? 2_000_000),
  durationS: Number(process.env.BENCH_DURATION_S ?? 90),
  overload: Number(process.env.BENCH_OVERLOAD ?? 1.5),
  workers: (process.env.BENCH_WORKERS ?? '1,3').split(',').map(Number),
  repeatShare: Number(process.env.BENCH_REPEAT_SHARE ?? 0.25),
};

interface Finished {
  request: BenchRequest;
  result?: GenerationResult;
  error?: string;
}

async function run(): Promise<void> {
  const logger = createLogger('benchmark', { level: 'warn' });
  const workDir = mkdtempSync(join(tmpdir(), 'genai-flow-bench-'));
  process.env.TEST_WORK_DIR = workDir;
  const server = await startDevServer({ cliPath: ensureTemporalCli(logger, process.env, console.log),
    dbFile: join(workDir, 'temporal.sqlite'), logFile: join(workDir, 'temporal.log'), singlePartition: true }, logger);
  const connection = await Connection.connect({ address: server.address });
  const documents = loadDocuments();

  const runs: QuotaRunReport[] = [];
  try {
    for (const workers of settings.workers) {
      console.log(`run with ${workers} worker process(es): ${settings.durationS} s at ${settings.overload}x quota`);
      runs.push(await runOnce(workers, server.address, connection, workDir, documents));
      console.log(JSON.stringify(runs[runs.length - 1]));
    }
  } finally {
    await connection.close();
    await server.stop();
  }

  const reports = resolve(__dirname, '../reports');
  writeQuotaReport(join(reports, 'quota-benchmark.json'), join(reports, 'quota-benchmark.md'), runs,
    'npm run benchmark:quotas');
  console.log(`reports written to ${reports}/quota-benchmark.{json,md}`);
}

async function runOnce(workers: number, address: string, connection: Connection, workDir: string,
  documents: string[]): Promise<QuotaRunReport> {
  const simulator = await startSimulator({ logger: false, limits: [{ model: 'sim-large',
    requestsPerMinute: settings.rpm, tokensPerMinute: settings.tpm }] });
  const config = benchmarkConfig(simulator.url, settings.rpm, settings.tpm, workers, workDir);
  const generations = new GenerationClient({ client: new Client({ connection }), taskQueue: config.taskQueue });
  const children = Array.from({ length: workers }, (_, index) =>
    spawnWorkerProcess(address, config, `bench-${workers}-${index}`));

  try {
    await waitForPollers(connection, `${config.taskQueue}@simulator/sim-large`, workers);
    const samples = sampleProviderCalls(simulator);
    const finished = await drive(generations, documents);
    samples.stop();
    return summarize(workers, finished, simulator, samples.points);
  } finally {
    await Promise.all(children.map(async (child) => {
      child.kill('SIGTERM');
      await waitForExit(child);
    }));
    await simulator.close();
  }
}

/** Offers requests at the overload rate for the duration; repeats are drawn from answers already returned. */
async function drive(generations: GenerationClient, documents: string[]): Promise<Finished[]> {
  const intervalMs = 60_000 / (settings.rpm * settings.overload);
  const total = Math.round(settings.durationS * 1000 / intervalMs);
  const completed: BenchRequest[] = [];
  const pending: Array<Promise<Finished>> = [];
  const started = Date.now();

  for (let index = 0; index < total; index += 1) {
    const request = pickRequest(index, documents, completed, settings.repeatShare);
    pending.push(startAndWait(generations, request).then((done) => {
      if (done.result) {
        completed.push(request);
      }
      return done;
    }));
    const nextAt = started + (index + 1) * intervalMs;
    await new Promise((done) => setTimeout(done, Math.max(0, nextAt - Date.now())));
  }

  return Promise.all(pending);
}

async function startAndWait(generations: GenerationClient, request: BenchRequest): Promise<Finished> {
  try {
    const { workflowId } = await generations.start({ tenant: request.tenant, templateId: 'release-digest',
      input: { document: request.document, product: request.product }, review: { policy: 'never' } });
    return { request, result: await generations.result(workflowId) };
  } catch (err) {
    return { request, error: (err as Error).message };
  }
}

interface Sample {
  at: number;
  ok: number;
}

/** Records the simulator's answered-call count once a second, to find when calls started and stopped. */
function sampleProviderCalls(simulator: RunningSimulator): { points: Sample[]; stop(): void } {
  const points: Sample[] = [];
  const take = () => points.push({ at: Date.now(), ok: simulator.stats().byOutcome.ok ?? 0 });
  take();
  const timer = setInterval(take, 250);
  return { points, stop: () => {
    clearInterval(timer);
    take();
  } };
}

function summarize(workers: number, finished: Finished[], simulator: RunningSimulator, points: Sample[]):
  QuotaRunReport {
  const stats = simulator.stats();
  const calls = stats.byOutcome.ok ?? 0;
  const first = points.find((point) => point.ok > 0);
  const last = points.find((point) => point.ok === calls);
  const busyMinutes = first && last ? (last.at - first.at) / 60_000 : 0;
  // Calls after the first, over the time between the first and the last: the rate the quota was used at.
  const goodput = busyMinutes > 0 ? (calls - (first?.ok ?? 0)) / busyMinutes / settings.rpm : 0;

  const done = finished.filter((item) => item.result);
  const waits: Record<string, number[]> = {};
  for (const item of done) {
    if (item.result && item.result.cache !== 'hit') {
      (waits[tierOfTenant(item.request.tenant)] ??= []).push(item.result.quotaWaitMs);
    }
  }

  return {
    workers,
    quota_requests_per_minute: settings.rpm,
    quota_tokens_per_minute: settings.tpm,
    offered_requests_per_minute: round(settings.rpm * settings.overload, 1),
    duration_s: settings.durationS,
    requests: finished.length,
    completed: done.length,
    failed: finished.length - done.length,
    provider_calls: calls,
    goodput_ratio: round(goodput),
    provider_429: (stats.byOutcome.limited ?? 0) + (stats.byOutcome.rate_limit ?? 0),
    cache_hit_rate: round(done.filter((item) => item.result?.cache === 'hit').length / Math.max(1, done.length)),
    queue_wait_by_tier: Object.fromEntries(Object.entries(waits).map(([tier, values]) => [tier, {
      requests: values.length, p50_ms: percentile(values, 0.5), p95_ms: percentile(values, 0.95),
    }])),
  };
}

async function waitForPollers(connection: Connection, taskQueue: string, workers: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const description = await connection.workflowService.describeTaskQueue({ namespace: 'default',
      taskQueue: { name: taskQueue }, taskQueueType: 2 });
    if ((description.pollers?.length ?? 0) >= workers) {
      return;
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`workers did not start polling ${taskQueue}`);
}

run().catch((err: unknown) => {
  console.error('benchmark failed:', err);
  process.exit(1);
});
