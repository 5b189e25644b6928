import type { History } from '@temporalio/common/lib/proto-utils';

/**
 * Every payload of a history as text, so a test can search it: payload data is bytes, which JSON would show
 * as numbers.
 */
export function historyText(history: History): string {
  return JSON.stringify(history.events ?? [], (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value);
}
