import { asPromise, openSharedSqlite } from '../store-support/sqlite-database';
import type { CacheStore } from './types';

/**
 * Values expire at `expires_at`; a claim is a lease, held by `owner` until `lease_until`. Both times come
 * from the caller's clock, like the Redis store.
 */
const schema = `
  CREATE TABLE IF NOT EXISTS cache_entries (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_at);
  CREATE TABLE IF NOT EXISTS cache_claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS cache_claims_expiry ON cache_claims (lease_until);
`;

/** The embedded result cache: one SQLite file that the workers of one machine share. */
export function openSqliteCacheStore(path: string): CacheStore {
  const db = openSharedSqlite(path);
  db.exec(schema);

  const read = db.prepare<[string, number], { value: string }>(
    'SELECT value FROM cache_entries WHERE key = ? AND expires_at > ?',
  );
  const write = db.prepare<[string, string, number]>(
    `INSERT INTO cache_entries (key, value, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  );
  const pruneEntries = db.prepare<[number]>('DELETE FROM cache_entries WHERE expires_at <= ?');
  const pruneClaims = db.prepare<[number]>('DELETE FROM cache_claims WHERE lease_until <= ?');
  const dropClaim = db.prepare<[string]>('DELETE FROM cache_claims WHERE key = ?');
  // One statement, so atomic on its own: it inserts a claim, or takes over one that is free (lease run out)
  // or already this owner's; a claim held by someone else is left as it is and nothing changes.
  const takeClaim = db.prepare<[string, string, number, number]>(
    `INSERT INTO cache_claims (key, owner, lease_until) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
     WHERE cache_claims.lease_until <= ? OR cache_claims.owner = excluded.owner`,
  );
  const releaseOwn = db.prepare<[string, string]>('DELETE FROM cache_claims WHERE key = ? AND owner = ?');

  const set = db.transaction((key: string, value: string, ttlMs: number, nowMs: number) => {
    pruneEntries.run(nowMs);
    pruneClaims.run(nowMs);
    write.run(key, value, nowMs + ttlMs);
    dropClaim.run(key);
  });

  return {
    get: (key, nowMs) => asPromise(() => read.get(key, nowMs)?.value),
    set: (key, value, ttlMs, nowMs) => asPromise(() => set.immediate(key, value, ttlMs, nowMs)),
    claim: (key, owner, leaseMs, nowMs) =>
      asPromise(() => takeClaim.run(key, owner, nowMs + leaseMs, nowMs).changes > 0),
    releaseClaim: (key, owner) => asPromise(() => {
      releaseOwn.run(key, owner);
    }),
    close: () => asPromise(() => {
      db.close();
    }),
  };
}
