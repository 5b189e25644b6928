import { ApplicationFailure } from '@temporalio/activity';
import type { AppConfig } from '../../common/config';
import { resolveTier } from '../../common/tiers';
import { countPromptTokens } from '../../common/tokens';
import type { BudgetCheckInput } from '../../workflows/contract';
import type { CacheStore } from '../cache/types';
import { resolveMessages } from '../payloads';
import type { QuotaStore } from './types';

/**
 * Checks the tenant's daily budget before the call joins a model's queue, so a request that can never be
 * served fails at once instead of waiting its turn behind the quota. The reservation made before the call
 * checks again, exactly, with the model's own price.
 */
export async function checkBudget(config: AppConfig, quotas: QuotaStore, payloads: CacheStore,
  input: BudgetCheckInput): Promise<void> {
  const { budget } = resolveTier(config, input.tenant);
  if (budget.tokens === undefined && budget.costMicroUsd === undefined) {
    return;
  }

  const messages = await resolveMessages(payloads, input.messages);
  const promptTokens = countPromptTokens(messages);
  const tokens = promptTokens + input.maxOutputTokens;
  const price = config.quotas.models[input.firstModel];
  const cost = Math.round(promptTokens * (price?.inputPricePerMillion ?? 0) +
    input.maxOutputTokens * (price?.outputPricePerMillion ?? 0));
  const used = await quotas.dailyUsage(input.tenant, Date.now());

  if (budget.tokens !== undefined && tokens > budget.tokens) {
    throw budgetFailure('BUDGET_REQUEST_TOO_LARGE', `${input.tenant}: the request needs ${tokens} tokens, ` +
      `the daily budget is ${budget.tokens}`);
  }
  if (budget.costMicroUsd !== undefined && cost > budget.costMicroUsd) {
    throw budgetFailure('BUDGET_REQUEST_TOO_LARGE', `${input.tenant}: the request may cost ${cost} micro-USD, ` +
      `the daily budget is ${budget.costMicroUsd}`);
  }
  if (budget.tokens !== undefined && used.tokens + tokens > budget.tokens) {
    throw budgetFailure('BUDGET_EXCEEDED', `${input.tenant}: ${used.tokens} of ${budget.tokens} daily tokens used, ` +
      `the request needs ${tokens}`);
  }
  if (budget.costMicroUsd !== undefined && used.costMicroUsd + cost > budget.costMicroUsd) {
    throw budgetFailure('BUDGET_EXCEEDED', `${input.tenant}: ${used.costMicroUsd} of ${budget.costMicroUsd} ` +
      `daily micro-USD used, the request may cost ${cost}`);
  }
}

function budgetFailure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
