import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { AppConfig } from '../common/config';
import type { Logger } from '../common/logger';

export interface GenerationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  config: AppConfig;
  logger: Logger;
  /** A prebuilt workflow bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** A worker that runs the generation workflow and its activities on the configured task queue. */
export async function createGenerationWorker(options: GenerationWorkerOptions): Promise<Worker> {
  const { connection, namespace, config, logger } = options;
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };

  return Worker.create({
    connection,
    namespace,
    taskQueue: config.taskQueue,
    ...workflowSource,
    activities: createActivities({ config, logger: logger.child({ component: 'activities' }) }),
  });
}
