/**
 * The reliability report: each chaos scenario drives requests through the real stack while faults are injected,
 * and counts what completed and what was lost. Writes reports/reliability.{json,md}.
 *
 * Settings (environment): CHAOS_REQUESTS (200), CHAOS_RATE (10 per second), CHAOS_SCENARIOS (all),
 * CHAOS_CALL_MS (how long each call streams while workers are killed; 5000).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDocuments } from './benchmark/workload';
import { runScenario, scenarios, type ScenarioReport } from './chaos/scenarios';

async function run(): Promise<void> {
  const size = { requests: Number(process.env.CHAOS_REQUESTS ?? 200), perSecond: Number(process.env.CHAOS_RATE ?? 10),
    callMs: Number(process.env.CHAOS_CALL_MS ?? 5_000) };
  const names = (process.env.CHAOS_SCENARIOS ?? Object.keys(scenarios).join(',')).split(',');
  const workDir = mkdtempSync(join(tmpdir(), 'genai-flow-chaos-'));
  process.env.TEST_WORK_DIR = workDir;
  const documents = loadDocuments();

  const reports: ScenarioReport[] = [];
  for (const name of names) {
    console.log(`scenario ${name}: ${size.requests} requests at ${size.perSecond}/s`);
    reports.push(await runScenario(name, size, documents, workDir));
    console.log(JSON.stringify(reports[reports.length - 1]));
  }

  const folder = resolve(__dirname, '../reports');
  mkdirSync(folder, { recursive: true });
  const command = `CHAOS_REQUESTS=${size.requests} CHAOS_RATE=${size.perSecond} CHAOS_CALL_MS=${size.callMs} ` +
    'npm run reliability';
  writeFileSync(join(folder, 'reliability.json'),
    `${JSON.stringify({ generated_at: new Date().toISOString(), command, scenarios: reports }, null, 2)}\n`);
  writeFileSync(join(folder, 'reliability.md'), markdownOf(reports, command));
  console.log(`reports written to ${folder}/reliability.{json,md}`);
}

function markdownOf(reports: ScenarioReport[], command: string): string {
  return [
    '# Reliability report',
    '',
    `Generated ${new Date().toISOString()} by \`${command}\`: three worker processes, the provider simulator, and a`,
    'Temporal dev server per scenario. Lost means not completed by the end (failed, or still unfinished).',
    '',
    '| scenario | requests | completed | lost | faults injected | peak in flight | provider calls per request ' +
      '| seconds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...reports.map((r) => `| ${r.scenario} | ${r.requests} | ${r.completed} | ${r.lost} | ${r.faults_injected} | ` +
      `${r.in_flight_peak} | ${r.provider_calls_per_request} | ${r.duration_s} |`),
    '',
  ].join('\n');
}

run().catch((err: unknown) => {
  console.error('reliability run failed:', err);
  process.exit(1);
});
