/** The standalone simulator's settings, read from the environment by `simulator/main.ts`. */

import { parseLimitRules, type LimitRule } from './limits';

/** SIMULATOR_PORT: default 8787. */
export function portFromEnv(value: string | undefined): number {
  const port = value === undefined || value.trim() === '' ? 8787 : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SIMULATOR_PORT must be a port number, got "${value}"`);
  }

  return port;
}

/** SIMULATOR_LIMITS: a JSON array of limit rules; no limits when unset or blank. */
export function limitsFromEnv(value: string | undefined): LimitRule[] {
  if (value === undefined || value.trim() === '') {
    return [];
  }

  let rules: unknown;
  try {
    rules = JSON.parse(value);
  } catch (error) {
    throw new Error(`SIMULATOR_LIMITS must be a JSON array of limit rules: ${(error as Error).message}`);
  }

  try {
    return parseLimitRules(rules);
  } catch (error) {
    throw new Error(`SIMULATOR_LIMITS: ${(error as Error).message}`);
  }
}
