/** The simulator's own API under /_sim: fault rules and request counters, for tests and benchmarks. */

import type { FastifyInstance } from 'fastify';
import { invalidRequest, sendError } from './errors';
import { faultRulesBodySchema, type FaultController } from './faults';
import { describeIssue } from './request';
import type { StatsRecorder } from './stats';

export function registerAdminRoutes(app: FastifyInstance, faults: FaultController, stats: StatsRecorder): void {
  app.get('/_sim/faults', () => ({ rules: faults.list() }));

  app.post('/_sim/faults', async (request, reply) => {
    const parsed = faultRulesBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = describeIssue(parsed.error);
      return sendError(reply, 400, invalidRequest(issue.message, issue.param, issue.code));
    }

    faults.set(parsed.data.rules);
    return { rules: faults.list() };
  });

  app.delete('/_sim/faults', () => {
    faults.clear();
    return { rules: faults.list() };
  });

  app.get('/_sim/stats', () => stats.snapshot());
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
