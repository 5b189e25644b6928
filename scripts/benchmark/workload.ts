import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Tenants by tier: one heavy free tenant sends as much as the other free tenants together. */
const tenantsByTier: Record<string, string[]> = {
  gold: ['gold-a', 'gold-b'],
  pro: ['pro-a', 'pro-b', 'pro-c'],
  free: ['free-heavy', 'free-heavy', 'free-heavy', 'free-a', 'free-b', 'free-c'],
};

/** Share of offered requests per tier, in a repeating pattern of ten. */
const tierPattern = ['free', 'gold', 'free', 'pro', 'free', 'pro', 'free', 'gold', 'free', 'pro'];

export interface BenchRequest {
  tenant: string;
  document: string;
  product: string;
}

export function tierOfTenant(tenant: string): string {
  return tenant.split('-')[0] ?? 'free';
}

/** git's release notes installed by Debian's git package: hundreds of real documents of varied length. */
export function loadDocuments(): string[] {
  const listed = execFileSync('dpkg', ['-L', 'git'], { encoding: 'utf8' }).split('\n')
    .filter((path) => /\/RelNotes\/[\d.]+\.txt$/.test(path));
  const documents = listed.map((path) => readFileSync(path, 'utf8')).filter((text) => text.length >= 200);
  if (documents.length === 0) {
    throw new Error('the benchmark needs git\'s release notes (Debian package git)');
  }

  return documents;
}

/** A new request, or (with the given share) a repeat of one already answered, which the cache should serve. */
export function pickRequest(index: number, documents: string[], answered: BenchRequest[], repeatShare: number):
  BenchRequest {
  if (answered.length > 0 && (index * 7919) % 100 < repeatShare * 100) {
    return answered[(index * 104_729) % answered.length] as BenchRequest;
  }

  const tier = tierPattern[index % tierPattern.length] ?? 'free';
  const tenants = tenantsByTier[tier] ?? [];
  const tenant = tenants[Math.floor(index / tierPattern.length) % tenants.length] ?? 'free-a';
  return { tenant, document: documents[index % documents.length] ?? '', product: `bench-${index}` };
}

/** The product's config for one run: quota equal to the simulator's hard limit, three tiers, shared SQLite store. */
export interface BenchConfig {
  taskQueue: string;
  [key: string]: unknown;
}

export function benchmarkConfig(simulatorUrl: string, rpm: number, tpm: number, workers: number, workDir: string):
  BenchConfig {
  const id = `${workers}-${Date.now()}`;
  const tenants = Object.fromEntries(Object.entries(tenantsByTier).flatMap(([tier, names]) =>
    names.map((name) => [name, { tier }])));

  return {
    taskQueue: `bench-${id}`,
    dataDir: workDir,
    store: { kind: 'sqlite', sqlitePath: join(workDir, `bench-${id}.sqlite`) },
    providers: { simulator: { baseUrl: simulatorUrl, models: ['sim-large'], timeout: '1 minute' } },
    chains: { default: [{ provider: 'simulator', model: 'sim-large' }] },
    quotas: {
      models: { 'simulator/sim-large': { requestsPerMinute: rpm, tokensPerMinute: tpm } },
      tiers: {
        gold: { priority: 1, weight: 1, maxWait: '15 minutes' },
        pro: { priority: 2, weight: 1, maxWait: '15 minutes' },
        free: { priority: 4, weight: 1, maxWait: '15 minutes' },
      },
      tenants,
      defaultTier: 'free',
    },
    cache: { enabled: true, ttl: '1 hour' },
  };
}
