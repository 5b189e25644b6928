import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { CacheConfig } from '../../common/quota-config';
import { durationMs } from '../../common/duration';
import type { CacheLookupInput, CacheLookupResult, ModelAnswer } from '../../workflows/contract';
import type { CacheStore } from './types';

const pollEveryMs = 200;

/**
 * The key holds everything that changes the answer: scope (the tenant unless sharing is configured), template
 * id and version, the rendered prompt, provider, model, parameters and the output schema.
 */
export function cacheKeyOf(config: CacheConfig, input: Pick<CacheLookupInput, 'plan' | 'target'>): string {
  const { plan, target } = input;
  const material = JSON.stringify([
    config.scope === 'tenant' ? `tenant:${plan.tenant}` : 'shared',
    plan.templateId,
    plan.templateVersion,
    target.provider,
    target.model,
    plan.temperature,
    plan.maxOutputTokens,
    plan.messages,
    plan.outputJsonSchema,
  ]);

  return `cache:${createHash('sha256').update(material).digest('hex')}`;
}

/**
 * Returns a cached answer, or makes this run the key's owner. When another run owns the key (an identical
 * request in flight), waits for its answer up to `waitMs`, then proceeds without it.
 */
export async function lookupCache(store: CacheStore, config: CacheConfig, input: CacheLookupInput):
  Promise<CacheLookupResult> {
  const key = cacheKeyOf(config, input);
  const leaseMs = Math.max(durationMs(config.inFlightWait), input.waitMs) + 60_000;
  const deadline = Date.now() + input.waitMs;
  const context = Context.current();
  // Heartbeat on a timer: a store call that hangs while the store reconnects must not look like a dead worker.
  const heartbeat = setInterval(() => context.heartbeat(), pollEveryMs * 5);
  try {
    return await pollCache(store, input, key, leaseMs, deadline, context);
  } finally {
    clearInterval(heartbeat);
  }
}

async function pollCache(store: CacheStore, input: CacheLookupInput, key: string, leaseMs: number,
  deadline: number, context: Context): Promise<CacheLookupResult> {
  for (;;) {
    const cached = await store.get(key, Date.now());
    if (cached !== undefined) {
      return { key, hit: JSON.parse(cached) as ModelAnswer, owner: false };
    }

    if (await store.claim(key, input.owner, leaseMs, Date.now())) {
      return { key, owner: true };
    }

    if (Date.now() >= deadline) {
      return { key, owner: false };
    }
    await sleep(pollEveryMs, undefined, { signal: context.cancellationSignal });
  }
}

/** Only a validated answer is stored; the caller decides that before calling. */
export async function fillCache(store: CacheStore, config: CacheConfig, key: string, answer: ModelAnswer):
  Promise<void> {
  await store.set(key, JSON.stringify(answer), durationMs(config.ttl), Date.now());
}
