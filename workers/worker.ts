import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openSharedStores, type SharedStores } from '../activities/stores';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { modelQueueName } from '../common/queues';
import { applyQueueRateLimits } from './queue-limits';

export interface GenerationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  config: AppConfig;
  logger: Logger;
  /** A prebuilt workflow bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The workers of one process: one for the workflows and local activities on the main task queue, and one per
 * provider model polling that model's call queue. They share the activities and the shared stores.
 */
export class GenerationWorkers {
  private constructor(private readonly workers: Worker[], private readonly stores: SharedStores) {}

  static async create(options: GenerationWorkerOptions): Promise<GenerationWorkers> {
    const { connection, namespace, config, logger } = options;
    const stores = openSharedStores(config);

    try {
      await applyQueueRateLimits(connection, namespace, config, logger);
      const activities = createActivities({ config, logger: logger.child({ component: 'activities' }), stores });
      const workflowSource = options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') };

      const main = await Worker.create({ connection, namespace, taskQueue: config.taskQueue, ...workflowSource,
        activities });
      const modelWorkers = await Promise.all(modelQueues(config).map(({ taskQueue, maxConcurrent }) =>
        Worker.create({
          connection,
          namespace,
          taskQueue,
          activities: { callModel: activities.callModel },
          maxConcurrentActivityTaskExecutions: maxConcurrent ?? 100,
        })));

      return new GenerationWorkers([main, ...modelWorkers], stores);
    } catch (err) {
      await stores.close();
      throw err;
    }
  }

  /** Runs every worker until shutdown; shuts all down when one fails, then closes the stores. */
  async run(): Promise<void> {
    try {
      await Promise.all(this.workers.map(async (worker) => {
        try {
          await worker.run();
        } catch (err) {
          this.shutdown();
          throw err;
        }
      }));
    } finally {
      await this.stores.close();
    }
  }

  shutdown(): void {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') {
        worker.shutdown();
      }
    }
  }

  /** Runs the workers while `work` runs, then shuts them down. */
  async runUntil<T>(work: () => Promise<T>): Promise<T> {
    const running = this.run();
    try {
      return await work();
    } finally {
      this.shutdown();
      await running;
    }
  }
}

function modelQueues(config: AppConfig): Array<{ taskQueue: string; maxConcurrent?: number }> {
  return Object.entries(config.providers).flatMap(([provider, settings]) => settings.models.map((model) => ({
    taskQueue: modelQueueName(config.taskQueue, provider, model),
    maxConcurrent: config.quotas.models[`${provider}/${model}`]?.maxConcurrent,
  })));
}
