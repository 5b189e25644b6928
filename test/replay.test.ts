import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';

import { quietSdkLogs } from './helpers/environment';

const historiesFolder = join(__dirname, 'histories');
quietSdkLogs();
const historyFiles = readdirSync(historiesFolder).filter((file) => file.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  test('every path through the workflow has a recorded history', () => {
    expect(historyFiles).toEqual(expect.arrayContaining([
      'all-providers-failed.json',
      'budget-exceeded.json',
      'cache-hit.json',
      'completed-without-review.json',
      'content-filtered-review.json',
      'fallback-after-provider-down.json',
      'invalid-output.json',
      'review-approved.json',
      'review-bad-edit-then-rejected.json',
      'review-deadline.json',
      'request-deadline-exceeded.json',
    ]));
  });

  test.each(historyFiles)('the current workflow code replays %s without non-determinism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(historiesFolder, file), 'utf8')));

    await expect(Worker.runReplayHistory(
      { workflowBundle: { codePath: requiredBundle() } },
      history,
      file.replace(/\.json$/, ''),
    )).resolves.toBeUndefined();
  });
});

function requiredBundle(): string {
  const path = process.env.TEST_WORKFLOW_BUNDLE;
  if (!path) {
    throw new Error('TEST_WORKFLOW_BUNDLE is not set: run the tests through jest so the global setup runs');
  }
  return path;
}

describe('the replay check itself', () => {
  test('an incompatible change to the workflow code fails replay with a determinism violation', async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(historiesFolder, 'review-approved.json'), 'utf8')));

    const replay = Worker.runReplayHistory(
      { workflowsPath: require.resolve('./fixtures/incompatible-workflow') },
      history,
      'incompatible',
    );

    await expect(replay).rejects.toThrow(DeterminismViolationError);
  });
});
