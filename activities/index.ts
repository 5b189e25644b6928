import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { GenerationRequest, ModelCallInput, ValidationInput } from '../workflows/contract';
import { callModelOnce } from './model-call';
import { preparePlan } from './prepare-prompt';
import { createProviderClients } from './providers';
import { validateOutput } from './validate-output';

export interface ActivityDeps {
  config: AppConfig;
  logger: Logger;
}

/**
 * Builds the activities with their dependencies bound, the way the worker registers them. Workflows import
 * this module as a type only.
 */
export function createActivities({ config, logger }: ActivityDeps) {
  const providers = createProviderClients(config);

  return {
    preparePrompt: (request: GenerationRequest) => preparePlan(config, request),
    callModel: (input: ModelCallInput) => callModelOnce(providers, logger, input),
    validateOutput: (input: ValidationInput) => Promise.resolve(validateOutput(input)),
  };
}
