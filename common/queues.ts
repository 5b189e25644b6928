/**
 * Each provider model has its own activity task queue. The queue is the durable backlog of calls waiting for
 * that model's quota: Temporal orders it by priority (tier) and fairness (tenant) and paces it with the
 * queue's rate limit, so waiting requests cost no worker and survive restarts.
 */
export function modelQueueName(baseQueue: string, provider: string, model: string): string {
  return `${baseQueue}@${provider}/${model}`;
}
