import Database from 'better-sqlite3';

/** How long a writer waits for another process's transaction before giving up with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens a SQLite file that several worker processes of one machine share. WAL lets readers run beside the
 * one writer, and the busy timeout makes a writer queue behind another process instead of failing.
 */
export function openSharedSqlite(path: string): Database.Database {
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });

  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL loses at most the last transactions on power loss, never consistency.
  db.pragma('synchronous = NORMAL');
  return db;
}

/** Runs synchronous store code and hands its result or its error back the way the async contracts expect. */
export function asPromise<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
