import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { boundedDuration, durationSchema, timerDurationSchema } from './duration';
import { requestDeadline } from './request-schema';
import { listTemplates } from '../prompts/library';
import { ProductError } from './errors';
import { firstProblem } from './zod-issues';
import { cacheSchema, checkTierReferences, circuitSchema, quotasSchema, storeSchema } from './quota-config';

const duration = durationSchema;

const providerSchema = z.strictObject({
  baseUrl: z.url(),
  /** Name of the environment variable that holds the key; the key itself never enters config or logs. */
  apiKeyEnv: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).min(1),
  /**
   * How long the provider may take to begin its response: the whole answer when not streamed, the first bytes
   * when streamed (the stream is then watched by modelCall.streamIdleTimeout, so long generations are not cut).
   */
  timeout: timerDurationSchema.default('2 minutes'),
  /** Streamed calls show progress and let a stalled answer be noticed; turn off for providers without SSE. */
  stream: z.boolean().default(true),
});

export const modelTargetSchema = z.strictObject({ provider: z.string().min(1), model: z.string().min(1) });

const modelCallSchema = z.strictObject({
  maximumAttempts: z.number().int().min(1).max(20).default(4),
  initialInterval: duration.default('1 second'),
  maximumInterval: duration.default('30 seconds'),
  heartbeatTimeout: duration.default('10 seconds'),
  /** One attempt at most: long enough for a long streamed generation, whose stalls are caught sooner. */
  startToCloseTimeout: duration.default('10 minutes'),
  streamIdleTimeout: timerDurationSchema.default('30 seconds'),
  /** The default time a run has for its model answer; a request may set its own `deadline`. */
  deadline: requestDeadline.default('30 minutes'),
});

const reviewSchema = z.strictObject({
  deadline: boundedDuration(90 * 24 * 3600 * 1000).default('24 hours'),
  deadlineOutcome: z.enum(['approve', 'reject']).default('reject'),
  onContentFilter: z.enum(['fallback', 'review']).default('fallback'),
});

const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 8787);

const configSchema = z
  .strictObject({
    taskQueue: z.string().min(1).default('generation'),
    dataDir: z.string().min(1).default('.data'),
    api: z.strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(3000),
    })
      .prefault({}),
    temporalUiUrl: z.url().optional(),
    providers: z.record(z.string().min(1), providerSchema).default({
      simulator: {
        baseUrl: `http://127.0.0.1:${simulatorPort}/v1`,
        models: ['sim-large', 'sim-small'],
        timeout: '2 minutes',
        stream: true,
      },
    }),
    /** Ordered fallback lists: `default` for every template, or one keyed by template id. */
    chains: z.record(z.string().min(1), z.array(modelTargetSchema).min(1)).default({
      default: [
        { provider: 'simulator', model: 'sim-large' },
        { provider: 'simulator', model: 'sim-small' },
      ],
    }),
    modelCall: modelCallSchema.prefault({}),
    review: reviewSchema.prefault({}),
    quotas: quotasSchema.prefault({}),
    store: storeSchema.prefault({}),
    cache: cacheSchema.prefault({}),
    circuit: circuitSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    checkChainTargets(config, ctx);
    checkTierReferences(config.quotas, ctx);
    checkQuotaModels(config, ctx);
  });

function checkQuotaModels(config: { providers: Record<string, { models: string[] }>;
  quotas: { models: Record<string, unknown> }; }, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(config.quotas.models)) {
    const [provider, ...rest] = key.split('/');
    const model = rest.join('/');
    if (!provider || !config.providers[provider]?.models.includes(model)) {
      ctx.addIssue({ code: 'custom', path: ['quotas', 'models', key],
        message: `no configured provider model "${key}"` });
    }
  }
}

function checkChainTargets(config: { providers: Record<string, z.infer<typeof providerSchema>>;
  chains: Record<string, Array<z.infer<typeof modelTargetSchema>>>; }, ctx: z.RefinementCtx): void {
  if (!config.chains.default) {
    ctx.addIssue({ code: 'custom', path: ['chains', 'default'], message: 'a default chain is required' });
  }

  const templateIds = new Set(listTemplates().map((template) => template.id));
  for (const chainName of Object.keys(config.chains)) {
    if (chainName !== 'default' && !templateIds.has(chainName)) {
      ctx.addIssue({ code: 'custom', path: ['chains', chainName], message: `no template "${chainName}"` });
    }
  }

  for (const [chainName, chain] of Object.entries(config.chains)) {
    chain.forEach((target, index) => {
      const provider = config.providers[target.provider];
      if (!provider) {
        ctx.addIssue({ code: 'custom', path: ['chains', chainName, index, 'provider'],
          message: `no provider named "${target.provider}"` });
      } else if (!provider.models.includes(target.model)) {
        ctx.addIssue({ code: 'custom', path: ['chains', chainName, index, 'model'],
          message: `provider "${target.provider}" has no model "${target.model}"` });
      }
    });
  }
}

export type AppConfig = Readonly<z.infer<typeof configSchema>>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelTarget = z.infer<typeof modelTargetSchema>;
export type ModelCallPolicy = z.infer<typeof modelCallSchema>;

/**
 * Parses the configuration once, at boot: defaults merged, validated, frozen. A bad value fails here with
 * the path of the field, never later at run time.
 */
export function parseConfig(raw: unknown): AppConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ProductError('CONFIG_INVALID', firstProblem(parsed.error.issues, '(root)'));
  }

  return deepFreeze(parsed.data);
}

/**
 * Reads the JSON file named by `GENAI_CONFIG`, or uses the defaults when it is not set. `API_PORT` overrides
 * the API's port from either.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = readConfigFile(env.GENAI_CONFIG) as { api?: Record<string, unknown> } | undefined;
  if (env.API_PORT === undefined) {
    return parseConfig(raw ?? {});
  }

  const port = Number(env.API_PORT);
  if (!Number.isInteger(port)) {
    throw new ProductError('CONFIG_INVALID', { field: 'API_PORT', reason: 'expected a port number' });
  }
  return parseConfig({ ...raw, api: { ...raw?.api, port } });
}

function readConfigFile(file: string | undefined): unknown {
  if (!file) {
    return undefined;
  }

  try {
    return JSON.parse(readFileSync(resolve(file), 'utf8'));
  } catch (err) {
    throw new ProductError('CONFIG_INVALID', { field: file, reason: (err as Error).message }, { cause: err });
  }
}

/** The chain a template runs on: its own entry when configured, else the default. */
export function chainFor(config: AppConfig, templateId: string): ModelTarget[] {
  const chain = config.chains[templateId] ?? config.chains.default;
  if (!chain) {
    throw new ProductError('CONFIG_INVALID', { field: 'chains.default', reason: 'missing' });
  }

  return [...chain];
}

/** Every "provider/model" pair the configuration serves. */
export function configuredModels(config: AppConfig): Set<string> {
  return new Set(Object.entries(config.providers).flatMap(([name, provider]) =>
    provider.models.map((model) => `${name}/${model}`)));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }

  return value;
}
