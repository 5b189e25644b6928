import { z } from 'zod';
import { durationSchema } from './duration';

/** Limits and prices of one provider model, keyed "provider/model". */
const modelQuotaSchema = z.strictObject({
  requestsPerMinute: z.number().int().positive().optional(),
  /** Prompt tokens plus the output allowance, counted at admission as providers do. */
  tokensPerMinute: z.number().int().positive().optional(),
  maxConcurrent: z.number().int().positive().optional(),
  /** Prompt plus output allowance the model accepts; a longer request skips this model without calling it. */
  contextWindow: z.number().int().positive().optional(),
  /** USD per million tokens; used for money budgets and cost reports. */
  inputPricePerMillion: z.number().min(0).default(0),
  outputPricePerMillion: z.number().min(0).default(0),
});

const tierSchema = z.strictObject({
  /** Temporal priority key: 1 is served first, 5 last. */
  priority: z.number().int().min(1).max(5),
  /** Share of its tier's capacity a tenant gets relative to others (Temporal fairness weight). */
  weight: z.number().positive().default(1),
  dailyTokens: z.number().int().positive().optional(),
  dailyCostUsd: z.number().positive().optional(),
  /** The longest a request waits for quota before it moves to the next provider or fails. */
  maxWait: durationSchema.default('2 minutes'),
});

const tenantSchema = z.strictObject({
  tier: z.string().min(1),
  dailyTokens: z.number().int().positive().optional(),
  dailyCostUsd: z.number().positive().optional(),
  maxWait: durationSchema.optional(),
});

export const quotasSchema = z.strictObject({
  models: z.record(z.string().regex(/^[^/]+\/.+$/, { message: 'use "provider/model"' }), modelQuotaSchema)
    .default({}),
  tiers: z.record(z.string().min(1), tierSchema).default({
    enterprise: { priority: 1, weight: 4, maxWait: '10 minutes' },
    pro: { priority: 2, weight: 2, maxWait: '5 minutes' },
    free: { priority: 4, weight: 1, dailyTokens: 500_000, maxWait: '2 minutes' },
  }),
  tenants: z.record(z.string().min(1), tenantSchema).default({}),
  defaultTier: z.string().min(1).default('free'),
});

export const storeSchema = z.strictObject({
  /** `sqlite`: one file in the data folder shared by the workers of one machine; `redis`: a fleet. */
  kind: z.enum(['sqlite', 'redis']).default('sqlite'),
  sqlitePath: z.string().min(1).optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, { message: 'expected redis:// or rediss://' }).optional(),
  keyPrefix: z.string().default('genai:'),
  /**
   * Texts and outputs above this size travel by reference: kept here, with only a reference in workflow
   * history (Temporal caps a payload at 2 MB and warns from 512 KB).
   */
  payloadThresholdBytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
}).refine((store) => store.kind !== 'redis' || store.redisUrl !== undefined, {
  path: ['redisUrl'],
  message: 'required when kind is redis',
});

export const cacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ttl: durationSchema.default('1 hour'),
  /** `tenant`: one tenant never receives another's cached output. `shared`: identical prompts share answers. */
  scope: z.enum(['tenant', 'shared']).default('tenant'),
  /** How long an identical request waits for the one already in flight before calling the provider itself. */
  inFlightWait: durationSchema.default('30 seconds'),
});

export const circuitSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive failures of one provider model, within the window, that open its circuit. */
  failureThreshold: z.number().int().min(1).default(5),
  window: durationSchema.default('1 minute'),
  /** How long an open circuit skips the model before one probe call tries it again. */
  coolDown: durationSchema.default('30 seconds'),
});

export type CircuitConfig = z.infer<typeof circuitSchema>;
export type QuotasConfig = z.infer<typeof quotasSchema>;
export type ModelQuota = z.infer<typeof modelQuotaSchema>;
export type TierConfig = z.infer<typeof tierSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;

/** Adds an issue for every tier name that a tenant or the default refers to but no tier defines. */
export function checkTierReferences(quotas: QuotasConfig, ctx: z.RefinementCtx): void {
  if (!quotas.tiers[quotas.defaultTier]) {
    ctx.addIssue({ code: 'custom', path: ['quotas', 'defaultTier'], message: `no tier "${quotas.defaultTier}"` });
  }

  for (const [tenant, settings] of Object.entries(quotas.tenants)) {
    if (!quotas.tiers[settings.tier]) {
      ctx.addIssue({ code: 'custom', path: ['quotas', 'tenants', tenant, 'tier'],
        message: `no tier "${settings.tier}"` });
    }
  }
}
