import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TierWait {
  requests: number;
  p50_ms: number;
  p95_ms: number;
}

/** One benchmark run; the field names are the report's public contract. */
export interface QuotaRunReport {
  workers: number;
  quota_requests_per_minute: number;
  quota_tokens_per_minute: number;
  offered_requests_per_minute: number;
  duration_s: number;
  requests: number;
  completed: number;
  failed: number;
  provider_calls: number;
  goodput_ratio: number;
  provider_429: number;
  cache_hit_rate: number;
  queue_wait_by_tier: Record<string, TierWait>;
}

export function writeQuotaReport(jsonPath: string, markdownPath: string, runs: QuotaRunReport[],
  command: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  const generatedAt = new Date().toISOString();
  writeFileSync(jsonPath, `${JSON.stringify({ generated_at: generatedAt, command, runs }, null, 2)}\n`);
  writeFileSync(markdownPath, markdownOf(runs, command, generatedAt));
}

function markdownOf(runs: QuotaRunReport[], command: string, generatedAt: string): string {
  const tiers = [...new Set(runs.flatMap((run) => Object.keys(run.queue_wait_by_tier)))];
  const lines = [
    '# Quota benchmark',
    '',
    `Generated ${generatedAt} by \`${command}\` against the provider simulator with hard limits equal to the`,
    'configured quota (it answers 429 above them).',
    '',
    '| workers | requests | completed | failed | provider calls | goodput / quota | 429s | cache hit rate |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((run) => `| ${run.workers} | ${run.requests} | ${run.completed} | ${run.failed} | ` +
      `${run.provider_calls} | ${run.goodput_ratio} | ${run.provider_429} | ${run.cache_hit_rate} |`),
    '',
    'Queue wait (from the workflow queuing the call to the quota grant), milliseconds:',
    '',
    `| workers | ${tiers.map((tier) => `${tier} p50 | ${tier} p95`).join(' | ')} |`,
    `| ---: | ${tiers.map(() => '---: | ---:').join(' | ')} |`,
    ...runs.map((run) => `| ${run.workers} | ${tiers.map((tier) => {
      const wait = run.queue_wait_by_tier[tier];
      return `${wait?.p50_ms ?? '-'} | ${wait?.p95_ms ?? '-'}`;
    }).join(' | ')} |`),
    '',
    'Goodput is the provider calls answered per minute between the first and the last call, divided by the quota.',
    'It can exceed 1 by a little in a run this short: the minute before the first call was empty, so the first',
    'seconds may use it, while no sliding minute ever holds more calls than the quota.',
    '',
    `Quota: ${runs[0]?.quota_requests_per_minute} requests and ${runs[0]?.quota_tokens_per_minute} tokens per ` +
      `minute; offered load ${runs[0]?.offered_requests_per_minute} requests per minute for ` +
      `${runs[0]?.duration_s} s per run.`,
    '',
  ];

  return lines.join('\n');
}
