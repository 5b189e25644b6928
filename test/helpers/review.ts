import type { TestEnvironment } from './environment';

/** Polls the run's state until it waits for a person; fails after about 10 s. */
export async function waitForPendingReview(env: TestEnvironment, workflowId: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const view = await env.generations.get(workflowId);
    if (view.state?.reviewStatus === 'pending') {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${workflowId} never waited for review`);
}
