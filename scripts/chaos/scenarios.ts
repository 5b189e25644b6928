import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningSimulator } from '../../simulator/server';
import { waitForExit } from '../../test/helpers/worker-process';
import { driveRequests, type DriveResult } from './drive';
import { type ChaosStack, startChaosStack } from './harness';

export interface ScenarioSize {
  requests: number;
  perSecond: number;
  /** worker-sigkill: how long each model call streams, so that many are in flight when a worker dies. */
  callMs?: number;
}

/** One scenario's figures; the field names are the reliability report's public contract. */
export interface ScenarioReport {
  scenario: string;
  requests: number;
  completed: number;
  lost: number;
  failures: Record<string, number>;
  faults_injected: number;
  /** The most requests in flight at one time. */
  in_flight_peak: number;
  provider_calls: number;
  provider_calls_per_request: number;
  duration_s: number;
}

type FaultPlan = (stack: ChaosStack, size: ScenarioSize, stop: AbortSignal) => Promise<number>;

/** Kills a random worker with SIGKILL at random moments (every 2 to 6 s) and starts a replacement at once. */
const killWorkers: FaultPlan = async (stack, size, stop) => {
  // Long streamed answers keep calls in flight, so the kills land in the middle of them.
  stack.simulator.faults.set([{ kind: 'slow', delayMs: size.callMs ?? 700 }]);
  let kills = 0;
  while (!stop.aborted) {
    await sleep(2_000 + Math.random() * 4_000);
    const alive = stack.workers.filter((child) => child.exitCode === null && child.signalCode === null);
    // A worker that exited on its own (it is reported in its log) is replaced too, so the fleet keeps its size.
    for (let missing = 3 - alive.length; missing > 0 && !stop.aborted; missing -= 1) {
      alive.push(stack.spawnWorker());
    }
    const victim = alive[Math.floor(Math.random() * alive.length)];
    if (!victim || stop.aborted) {
      continue;
    }
    victim.kill('SIGKILL');
    await waitForExit(victim);
    stack.spawnWorker();
    kills += 1;
  }
  return kills;
};

/** Stops the Temporal dev server for three seconds and starts it again on its persisted database. */
const restartServer: FaultPlan = async (stack, size) => {
  await sleep((size.requests / size.perSecond) * 400);
  await stack.restartServer(3_000);
  return 1;
};

/** The first provider answers 503 to everything for a window while traffic flows. */
const providerOutage: FaultPlan = async (stack, size) => {
  await sleep((size.requests / size.perSecond) * 250);
  stack.simulator.faults.set([{ kind: 'unavailable', model: 'sim-large' }]);
  await sleep((size.requests / size.perSecond) * 500);
  stack.simulator.faults.clear();
  return stack.simulator.stats().byOutcome.unavailable ?? 0;
};

/** A storm of 429s that name a long Retry-After; calls must wait for it, not fail. */
const rateLimitStorm: FaultPlan = async (stack, size) => {
  await sleep((size.requests / size.perSecond) * 250);
  stack.simulator.faults.set([{ kind: 'rate_limit', retryAfterSeconds: 6 }]);
  await sleep((size.requests / size.perSecond) * 400);
  stack.simulator.faults.clear();
  return stack.simulator.stats().byOutcome.rate_limit ?? 0;
};

export const scenarios: Record<string, FaultPlan> = {
  'worker-sigkill': killWorkers,
  'temporal-restart': restartServer,
  'provider-outage': providerOutage,
  '429-storm': rateLimitStorm,
};

export async function runScenario(name: string, size: ScenarioSize, documents: string[], workDir: string):
  Promise<ScenarioReport> {
  const plan = scenarios[name];
  if (!plan) {
    throw new Error(`no scenario ${name}`);
  }

  const stack = await startChaosStack(name, workDir, 3);
  await stack.ready();
  const started = Date.now();
  const stop = new AbortController();
  try {
    const faults = plan(stack, size, stop.signal);
    // Generous: a request counts as lost only when it has not finished long after the traffic ended.
    const deadlineMs = (size.requests / size.perSecond) * 1000 + 600_000;
    const driven = await driveRequests(stack, documents, size.requests, size.perSecond, deadlineMs);
    stop.abort();
    return summarize(name, driven, await faults, stack.simulator, started);
  } finally {
    stop.abort();
    await stack.stop();
  }
}

function summarize(scenario: string, { outcomes, inFlightPeak }: DriveResult, faults: number,
  simulator: RunningSimulator, started: number): ScenarioReport {
  const completed = outcomes.filter((outcome) => outcome.result?.status === 'completed').length;
  const failures: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.result?.status !== 'completed') {
      const code = outcome.code ?? outcome.result?.status ?? 'UNKNOWN';
      failures[code] = (failures[code] ?? 0) + 1;
    }
  }
  const calls = simulator.stats().requests;

  return {
    scenario,
    requests: outcomes.length,
    completed,
    lost: outcomes.length - completed,
    failures,
    faults_injected: faults,
    in_flight_peak: inFlightPeak,
    provider_calls: calls,
    provider_calls_per_request: Math.round((calls / Math.max(1, outcomes.length)) * 100) / 100,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
  };
}
