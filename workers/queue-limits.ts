import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { modelQueueName } from '../common/queues';

/**
 * Sets each model queue's server-side rate limit from the model's requests-per-minute quota. A limit on the
 * queue itself is enforced by the server for all workers together and wins over any worker's own setting, so
 * any number of worker processes dispatch calls at the quota's pace, in priority and fairness order.
 */
export async function applyQueueRateLimits(connection: NativeConnection, namespace: string, config: AppConfig,
  logger: Logger): Promise<void> {
  for (const [name, provider] of Object.entries(config.providers)) {
    for (const model of provider.models) {
      const quota = config.quotas.models[`${name}/${model}`];
      const taskQueue = modelQueueName(config.taskQueue, name, model);
      const requestsPerSecond = quota?.requestsPerMinute ? quota.requestsPerMinute / 60 : undefined;

      const update = () => connection.workflowService.updateTaskQueueConfig({
        namespace,
        identity: `genai-flow-worker@${process.pid}`,
        taskQueue,
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        // A missing rate limit removes the queue's limit, so a quota taken out of the config is lifted too.
        updateQueueRateLimit: {
          rateLimit: requestsPerSecond ? { requestsPerSecond } : undefined,
          reason: 'requestsPerMinute quota from the product config',
        },
      });
      try {
        await withRetries(update);
        logger.info({ taskQueue, requestsPerSecond: requestsPerSecond ?? 'unlimited' }, 'model queue rate limit set');
      } catch (err) {
        // The quota store enforces requestsPerMinute on every call as well, so a worker that could not set the
        // queue's limit still serves within the quota; it must not stay down for it.
        logger.error({ err, taskQueue }, 'model queue rate limit not set; the quota store alone enforces it');
      }
    }
  }
}

/**
 * Workers that start together update the same queue config at once, and the server refuses all but one
 * ("Expected exactly one row to be updated"); a few retries with jitter let each one through.
 */
async function withRetries(action: () => Promise<unknown>, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await action();
      return;
    } catch (err) {
      if (attempt >= attempts) {
        throw err;
      }
      await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
