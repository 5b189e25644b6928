import OpenAI from 'openai';
import { msToNumber } from '@temporalio/common/lib/time';
import type { AppConfig } from '../common/config';
import { ProductError } from '../common/errors';

export interface ProviderClient {
  name: string;
  client: OpenAI;
  /** Whether calls are streamed (providers.<name>.stream). */
  stream: boolean;
}

/**
 * One OpenAI client per configured provider, made once at worker start. Any OpenAI-compatible server works:
 * OpenAI, Azure OpenAI's v1 endpoint, vLLM, Ollama, or the bundled simulator.
 */
export function createProviderClients(config: AppConfig, env: NodeJS.ProcessEnv = process.env):
  Map<string, ProviderClient> {
  const clients = new Map<string, ProviderClient>();

  for (const [name, provider] of Object.entries(config.providers)) {
    const apiKey = provider.apiKeyEnv ? env[provider.apiKeyEnv] : 'not-needed';
    if (!apiKey) {
      throw new ProductError('CONFIG_INVALID', {
        field: `providers.${name}.apiKeyEnv`,
        reason: `environment variable ${provider.apiKeyEnv} is not set`,
      });
    }

    // Temporal's retry policy owns retries; a second retry layer here would multiply calls per attempt.
    const client = new OpenAI({
      baseURL: provider.baseUrl,
      apiKey,
      maxRetries: 0,
      timeout: msToNumber(provider.timeout),
    });
    clients.set(name, { name, client, stream: provider.stream });
  }

  return clients;
}
