import type { AppConfig } from './config';
import { durationMs } from './duration';
import type { DailyBudget } from '../activities/quota/types';

export interface ResolvedTier {
  name: string;
  priority: number;
  weight: number;
  maxWaitMs: number;
  budget: DailyBudget;
}

/** A tenant's tier with the tenant's own overrides applied; unknown tenants get the default tier. */
export function resolveTier(config: AppConfig, tenant: string): ResolvedTier {
  const override = config.quotas.tenants[tenant];
  const name = override?.tier ?? config.quotas.defaultTier;
  const tier = config.quotas.tiers[name];
  if (!tier) {
    // Config validation guarantees the tier exists; this guards hand-built configs in tests.
    throw new Error(`tier ${name} is not configured`);
  }

  const dailyCostUsd = override?.dailyCostUsd ?? tier.dailyCostUsd;
  return {
    name,
    priority: tier.priority,
    weight: tier.weight,
    maxWaitMs: durationMs(override?.maxWait ?? tier.maxWait),
    budget: {
      tokens: override?.dailyTokens ?? tier.dailyTokens,
      costMicroUsd: dailyCostUsd === undefined ? undefined : Math.round(dailyCostUsd * 1_000_000),
    },
  };
}
