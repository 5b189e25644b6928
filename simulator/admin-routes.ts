/** The simulator's own API under /_sim: fault rules, limit rules and request counters, for tests and benchmarks. */

import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { invalidRequest, sendError } from './errors';
import { faultRulesBodySchema, type FaultController } from './faults';
import { limitRulesBodySchema, type LimitController } from './limits';
import { describeIssue } from './request';
import type { StatsRecorder } from './stats';

export interface AdminDeps {
  faults: FaultController;
  limits: LimitController;
  stats: StatsRecorder;
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  registerRuleRoutes(app, '/_sim/faults', faultRulesBodySchema, deps.faults);
  registerRuleRoutes(app, '/_sim/limits', limitRulesBodySchema, deps.limits);
  app.get('/_sim/stats', () => deps.stats.snapshot());
}

interface RuleStore<Rule> {
  set(rules: readonly Rule[]): void;
  clear(): void;
  list(): Rule[];
}

/** GET lists the rules, POST `{ rules }` replaces them (400 and no change when one is invalid), DELETE clears. */
function registerRuleRoutes<Rule>(app: FastifyInstance, path: string, bodySchema: z.ZodType<{ rules: Rule[] }>,
  store: RuleStore<Rule>): void {
  app.get(path, () => ({ rules: store.list() }));

  app.post(path, async (request, reply) => {
    const parsed = bodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = describeIssue(parsed.error);
      return sendError(reply, 400, invalidRequest(issue.message, issue.param, issue.code));
    }

    store.set(parsed.data.rules);
    return { rules: store.list() };
  });

  app.delete(path, () => {
    store.clear();
    return { rules: store.list() };
  });
}

/** Listed by GET /v1/models; any other name is accepted too and listed once a request has used it. */
const listedModels = [
  'sim-large', 'sim-small', 'gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-5-mini', 'gpt-5',
];

export function registerModelRoutes(app: FastifyInstance, stats: StatsRecorder, startedAt: number): void {
  const modelObject = (id: string): { id: string; object: 'model'; created: number; owned_by: string } =>
    ({ id, object: 'model', created: startedAt, owned_by: 'simulator' });

  app.get('/v1/models', () => ({
    object: 'list',
    data: [...new Set([...listedModels, ...stats.models()])].map(modelObject),
  }));

  app.get<{ Params: { model: string } }>('/v1/models/:model', (request) => modelObject(request.params.model));
}
