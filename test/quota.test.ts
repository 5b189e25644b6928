import { ProductError } from '../common/errors';
import type { GenerationResult } from '../workflows/contract';
import { findReleaseNotes, startTestEnvironment, type TestEnvironment } from './helpers/environment';

const tiers = {
  gold: { priority: 1, weight: 1, maxWait: '2 minutes' },
  free: { priority: 4, weight: 1, maxWait: '2 minutes' },
  tight: { priority: 3, weight: 1, maxWait: '2 seconds' },
  small: { priority: 3, weight: 1, dailyTokens: 7_000, maxWait: '2 minutes' },
  tiny: { priority: 3, weight: 1, dailyTokens: 1_000, maxWait: '2 minutes' },
};

const tenants = {
  'gold-co': { tier: 'gold' },
  'tight-co': { tier: 'tight' },
  'small-co': { tier: 'small' },
  'tiny-co': { tier: 'tiny' },
};

interface Finished {
  tenant: string;
  at: number;
  result: GenerationResult;
}

describe.each([
  ['one worker in this process', 0],
  ['three worker processes', 3],
])('quotas with %s', (_name, workerProcesses) => {
  let env: TestEnvironment;
  let document: string;

  beforeAll(async () => {
    env = await startTestEnvironment((simulatorUrl) => ({
      providers: {
        simulator: { baseUrl: simulatorUrl, models: ['sim-large', 'sim-small', 'sim-paced', 'sim-scarce'],
          timeout: '20 seconds' },
      },
      quotas: {
        // One call a second on the paced model: the queue's rate limit holds the backlog in priority order.
        models: {
          'simulator/sim-paced': { requestsPerMinute: 60 },
          'simulator/sim-small': { requestsPerMinute: 600 },
          'simulator/sim-scarce': { requestsPerMinute: 3 },
        },
        tiers,
        tenants,
        defaultTier: 'free',
      },
    }), { workerProcesses });
    document = findReleaseNotes().text;
  }, 120_000);

  afterAll(async () => {
    await env.stop();
  });

  async function startOn(tenant: string, chain: Array<{ provider: string; model: string }>): Promise<string> {
    const { workflowId } = await env.generations.start({ tenant, templateId: 'release-digest', input: { document },
      chain, review: { policy: 'never' } });
    return workflowId;
  }

  async function finish(tenant: string, workflowId: string): Promise<Finished> {
    const result = await env.generations.result(workflowId);
    return { tenant, at: Date.now(), result };
  }

  const paced = [{ provider: 'simulator', model: 'sim-paced' }];

  async function untilStage(workflowId: string, stage: string): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      if ((await env.generations.get(workflowId)).state?.stage === stage) {
        return;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`${workflowId} never reached stage ${stage}`);
  }

  test('under overload the higher tier is served before the lower one', async () => {
    const freeIds = [];
    for (let i = 0; i < 8; i += 1) {
      freeIds.push(await startOn('free-co', paced));
    }
    const goldIds = [];
    for (let i = 0; i < 3; i += 1) {
      goldIds.push(await startOn('gold-co', paced));
    }

    const finished = await Promise.all([
      ...freeIds.map((id) => finish('free-co', id)),
      ...goldIds.map((id) => finish('gold-co', id)),
    ]);
    const order = finished.sort((a, b) => a.at - b.at).map((item) => item.tenant);

    expect(finished.every((item) => item.result.status === 'completed')).toBe(true);
    // The gold requests arrive behind eight free ones and still finish ahead of the last free ones.
    expect(order.slice(-3)).toEqual(['free-co', 'free-co', 'free-co']);
  }, 120_000);

  test('within a tier a tenant sending many requests does not starve another tenant', async () => {
    const bigIds = [];
    for (let i = 0; i < 10; i += 1) {
      bigIds.push(await startOn('big-co', paced));
    }
    const smallIds = [await startOn('little-co', paced)];

    const finished = await Promise.all([
      ...bigIds.map((id) => finish('big-co', id)),
      ...smallIds.map((id) => finish('little-co', id)),
    ]);
    const position = finished.sort((a, b) => a.at - b.at).findIndex((item) => item.tenant === 'little-co');

    // Without fairness the lone request would wait behind all ten.
    expect(position).toBeLessThan(6);
  }, 120_000);

  test('a request over its tenant\'s daily token budget fails at once with no provider call', async () => {
    const first = await finish('small-co', await startOn('small-co', [{ provider: 'simulator', model: 'sim-small' }]));
    const callsBefore = env.simulator.stats().requests;

    const failure = await env.generations.result(await startOn('small-co', [{ provider: 'simulator',
      model: 'sim-small' }])).catch((err: unknown) => err);

    expect(first.result.status).toBe('completed');
    expect((failure as ProductError).code).toBe('BUDGET_EXCEEDED');
    expect(env.simulator.stats().requests).toBe(callsBefore);
  });

  test('a request larger than the whole daily budget is refused at once', async () => {
    const failure = await env.generations.result(await startOn('tiny-co', [{ provider: 'simulator',
      model: 'sim-small' }])).catch((err: unknown) => err);

    expect((failure as ProductError).code).toBe('BUDGET_REQUEST_TOO_LARGE');
  });

  test('a request the budget can never pay for fails at once even behind a full queue', async () => {
    for (let i = 0; i < 6; i += 1) {
      await startOn('gold-co', paced);
    }
    const started = Date.now();

    const failure = await env.generations.result(await startOn('tiny-co', paced)).catch((err: unknown) => err);

    expect((failure as ProductError).code).toBe('BUDGET_REQUEST_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test('a request that waits longer than its tier allows moves on to the next provider', async () => {
    const scarce = [{ provider: 'simulator', model: 'sim-scarce' }];
    // Higher-tier calls queued ahead use the scarce model's whole minute, so the next one would wait far longer
    // than two seconds; they are left to finish in the background.
    const fillers = [];
    for (let i = 0; i < 4; i += 1) {
      fillers.push(await startOn('gold-co', scarce));
    }
    // Every filler's call must be queued (or granted) before the tight tenant's call is scheduled.
    await Promise.all(fillers.map((id) => untilStage(id, 'model')));

    const result = await finish('tight-co', await startOn('tight-co', [...scarce,
      { provider: 'simulator', model: 'sim-small' }]));

    expect(result.result.answeredBy.model).toBe('sim-small');
    expect(result.result.attempts[0]).toMatchObject({ model: 'sim-scarce', errorCode: 'QUOTA_WAIT_EXCEEDED' });
  }, 120_000);
});
