import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type {
  BudgetCheckInput,
  CacheLookupInput,
  GenerationRequest,
  ModelAnswer,
  ModelCallInput,
  ValidationInput,
} from '../workflows/contract';
import { cacheKeyOf, fillCache, lookupCache } from './cache/result-cache';
import { CircuitBreaker } from './circuit-breaker';
import { callModelOnce } from './model-call';
import { checkBudget } from './quota/budget-check';
import { preparePlan } from './prepare-prompt';
import { createProviderClients } from './providers';
import type { SharedStores } from './stores';
import { validateOutput } from './validate-output';

export interface ActivityDeps {
  config: AppConfig;
  logger: Logger;
  stores: SharedStores;
}

/**
 * Builds the activities with their dependencies bound, the way the worker registers them. Workflows import
 * this module as a type only. The worker owns the stores and closes them at shutdown.
 */
export function createActivities({ config, logger, stores }: ActivityDeps) {
  const providers = createProviderClients(config);
  const circuit = new CircuitBreaker(stores.cache, config.circuit);
  const modelCallDeps = { config, providers, quotas: stores.quotas, payloads: stores.cache, circuit, logger };

  return {
    preparePrompt: (request: GenerationRequest) => preparePlan(config, stores.cache, request),
    callModel: (input: ModelCallInput) => callModelOnce(modelCallDeps, input),
    validateOutput: (input: ValidationInput) =>
      validateOutput(stores.cache, config.store.payloadThresholdBytes, input),
    checkBudget: (input: BudgetCheckInput) => checkBudget(config, stores.quotas, stores.cache, input),
    lookupCache: (input: CacheLookupInput) => lookupCache(stores.cache, config.cache, input),
    cacheKey: (input: Pick<CacheLookupInput, 'plan' | 'target'>) => Promise.resolve(cacheKeyOf(config.cache, input)),
    fillCache: (key: string, answer: ModelAnswer) => fillCache(stores.cache, config.cache, key, answer),
    releaseCacheClaim: (key: string, owner: string) => stores.cache.releaseClaim(key, owner),
  };
}
