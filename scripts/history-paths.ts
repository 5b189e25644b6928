import type { GenerationClient } from '../client/generation-client';
import type { RunningSimulator } from '../simulator/server';

interface PathContext {
  document: string;
  simulator: RunningSimulator;
}

/** One way through the workflow; `drive` runs it to the end and returns the workflow id. */
export interface RecordedPath {
  name: string;
  drive(generations: GenerationClient, context: PathContext): Promise<string>;
}

/** Each path has its own prompt (the product name), so no path is served from another's cache entry. */
const base = (document: string, product: string) => ({ tenant: 'history', templateId: 'release-digest',
  input: { document, product } });

async function untilPending(generations: GenerationClient, workflowId: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await generations.get(workflowId)).state?.reviewStatus === 'pending') {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${workflowId} never waited for review`);
}

async function settle(generations: GenerationClient, workflowId: string): Promise<string> {
  await generations.result(workflowId).catch(() => undefined);
  return workflowId;
}

export const recordedPaths: RecordedPath[] = [
  {
    name: 'completed-without-review',
    drive: async (generations, { document }) =>
      settle(generations, (await generations.start(base(document, 'completed-without-review'))).workflowId),
  },
  {
    name: 'review-approved',
    drive: async (generations, { document }) => {
      const { workflowId } = await generations.start({ ...base(document, 'review-approved'),
        review: { policy: 'always' } });
      await untilPending(generations, workflowId);
      await generations.decide(workflowId, { decision: 'approve', reviewer: 'recorder' });
      return settle(generations, workflowId);
    },
  },
  {
    name: 'review-bad-edit-then-rejected',
    drive: async (generations, { document }) => {
      const { workflowId } = await generations.start({ ...base(document, 'review-bad-edit-then-rejected'),
        review: { policy: 'always' } });
      await untilPending(generations, workflowId);
      await generations.decide(workflowId, { decision: 'edit', reviewer: 'recorder', output: { x: 1 } })
        .catch(() => undefined);
      await generations.decide(workflowId, { decision: 'reject', reviewer: 'recorder' });
      return settle(generations, workflowId);
    },
  },
  {
    name: 'review-deadline',
    drive: async (generations, { document }) => settle(generations, (await generations.start({
      ...base(document, 'review-deadline'),
      review: { policy: 'always', deadline: '1 second', deadlineOutcome: 'approve' },
    })).workflowId),
  },
  {
    name: 'fallback-after-provider-down',
    drive: async (generations, { document }) => settle(generations, (await generations.start({
      ...base(document, 'fallback-after-provider-down'),
      chain: [{ provider: 'down', model: 'gone' }, { provider: 'simulator', model: 'sim-small' }],
    })).workflowId),
  },
  {
    name: 'all-providers-failed',
    drive: async (generations, { document }) => settle(generations, (await generations.start({
      ...base(document, 'all-providers-failed'), chain: [{ provider: 'down', model: 'gone' }],
    })).workflowId),
  },
  {
    name: 'invalid-output',
    drive: async (generations, { document, simulator }) => {
      simulator.faults.set([{ kind: 'invalid_json', times: 1 }]);
      const { workflowId } = await generations.start({ ...base(document, 'invalid-output'),
        review: { policy: 'never' } });
      return settle(generations, workflowId);
    },
  },
  {
    name: 'cache-hit',
    drive: async (generations, { document }) => {
      await settle(generations, (await generations.start(base(document, 'cache-hit'))).workflowId);
      return settle(generations, (await generations.start(base(document, 'cache-hit'))).workflowId);
    },
  },
  {
    name: 'content-filtered-review',
    drive: async (generations, { document, simulator }) => {
      simulator.faults.set([{ kind: 'content_filter', times: 1 }]);
      const { workflowId } = await generations.start({ ...base(document, 'content-filtered-review'),
        review: { policy: 'never', onContentFilter: 'review' } });
      await untilPending(generations, workflowId);
      await generations.decide(workflowId, { decision: 'reject', reviewer: 'recorder' });
      return settle(generations, workflowId);
    },
  },
  {
    name: 'request-deadline-exceeded',
    drive: async (generations, { document, simulator }) => {
      simulator.faults.set([{ kind: 'slow', times: 1, delayMs: 5_000 }]);
      const { workflowId } = await generations.start({ ...base(document, 'request-deadline-exceeded'),
        deadline: '2 seconds' });
      return settle(generations, workflowId);
    },
  },
  {
    name: 'budget-exceeded',
    drive: async (generations, { document }) => settle(generations, (await generations.start({
      ...base(document, 'budget-exceeded'), tenant: 'history-tiny',
    })).workflowId),
  },
];
