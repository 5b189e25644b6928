import type { CircuitConfig } from '../common/quota-config';
import { durationMs } from '../common/duration';
import type { CacheStore } from './cache/types';

export type CircuitDecision = 'closed' | 'open' | 'probe';

/**
 * A circuit per provider model, shared by every worker through the shared store. Consecutive failures within
 * the window open it; while open, calls skip the model at once. After the cool-down one call (the probe, claimed
 * so that only one worker makes it) tries the model again: success closes the circuit, failure reopens it.
 *
 * Counting is a read and a write, not one atomic step, so two workers failing at the same moment may count
 * once; a breaker only needs to notice a model that keeps failing, which that does not change.
 */
export class CircuitBreaker {
  constructor(private readonly store: CacheStore, private readonly config: CircuitConfig) {}

  async check(bucket: string, owner: string, nowMs: number): Promise<CircuitDecision> {
    if (!this.config.enabled) {
      return 'closed';
    }

    const failures = Number((await this.store.get(failuresKey(bucket), nowMs)) ?? 0);
    if (failures < this.config.failureThreshold) {
      return 'closed';
    }

    if ((await this.store.get(openKey(bucket), nowMs)) !== undefined) {
      return 'open';
    }

    const leaseMs = durationMs(this.config.coolDown);
    return (await this.store.claim(probeKey(bucket), owner, leaseMs, nowMs)) ? 'probe' : 'open';
  }

  async recordFailure(bucket: string, owner: string, nowMs: number): Promise<void> {
    if (!this.config.enabled) {
      return;
    }

    const windowMs = durationMs(this.config.window);
    const failures = Number((await this.store.get(failuresKey(bucket), nowMs)) ?? 0) + 1;
    await this.store.set(failuresKey(bucket), String(failures), windowMs + durationMs(this.config.coolDown), nowMs);
    if (failures >= this.config.failureThreshold) {
      await this.store.set(openKey(bucket), String(nowMs), durationMs(this.config.coolDown), nowMs);
    }
    await this.store.releaseClaim(probeKey(bucket), owner);
  }

  async recordSuccess(bucket: string, owner: string, nowMs: number): Promise<void> {
    if (!this.config.enabled) {
      return;
    }

    await this.store.set(failuresKey(bucket), '0', durationMs(this.config.window), nowMs);
    await this.store.releaseClaim(probeKey(bucket), owner);
  }
}

const failuresKey = (bucket: string) => `circuit:${bucket}:failures`;
const openKey = (bucket: string) => `circuit:${bucket}:open`;
const probeKey = (bucket: string) => `circuit:${bucket}:probe`;
