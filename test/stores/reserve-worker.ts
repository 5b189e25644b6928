import type { ReservationRequest } from '../../activities/quota/types';
import { openQuotaStoreAt, type StoreLocation } from './backends';

/*
 * A worker process for the cross-process test: opens the store, says "ready", reads the start time from its
 * standard input, reserves `attempts` times from that moment on and prints how many were granted.
 */

export interface ReserveWorkerInput {
  location: StoreLocation;
  worker: number;
  attempts: number;
  request: Omit<ReservationRequest, 'id'>;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as ReserveWorkerInput;
  const store = openQuotaStoreAt(input.location);

  // A first call connects to Redis or warms up SQLite, so that the burst itself starts without delay.
  await store.dailyUsage(input.request.tenant, input.request.nowMs);
  process.stdout.write('ready\n');
  waitUntil(await startTime());

  let granted = 0;
  for (let attempt = 0; attempt < input.attempts; attempt++) {
    const outcome = await store.reserve({ ...input.request, id: `worker-${input.worker}-${attempt}` });
    granted += outcome.kind === 'granted' ? 1 : 0;
  }

  process.stdout.write(`${JSON.stringify({ granted })}\n`);
  await store.close();
}

async function startTime(): Promise<number> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
  }
  return Number(text);
}

/**
 * Spins instead of sleeping: a timer wakes up a millisecond or more late, longer than the whole burst of
 * reservations takes, and the processes would run one after the other instead of against each other.
 */
function waitUntil(startAtMs: number): void {
  while (Date.now() < startAtMs) {
    // Spinning on purpose.
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
