import type Database from 'better-sqlite3';

/**
 * One row per granted reservation: it is the idempotency record, the entry of the bucket's rate window
 * (`at_ms`, `tokens`) and, while `in_flight`, a concurrency slot held until `lease_until`. `state` is
 * 'reserved', 'settled' or 'released'. Daily usage is per tenant and UTC day (`YYYY-MM-DD`).
 */
const schema = `
  CREATE TABLE IF NOT EXISTS quota_reservations (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    tenant TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    in_flight INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS quota_reservations_window ON quota_reservations (bucket, at_ms);
  CREATE INDEX IF NOT EXISTS quota_reservations_slots ON quota_reservations (bucket, in_flight, lease_until);
  CREATE INDEX IF NOT EXISTS quota_reservations_age ON quota_reservations (at_ms);
  CREATE TABLE IF NOT EXISTS quota_daily_usage (
    tenant TEXT NOT NULL,
    day TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    PRIMARY KEY (tenant, day)
  );
  CREATE INDEX IF NOT EXISTS quota_daily_usage_day ON quota_daily_usage (day);
`;

export interface ReservationRow {
  bucket: string;
  tenant: string;
  at_ms: number;
  tokens: number;
  cost: number;
}

export interface NewReservation {
  id: string;
  bucket: string;
  tenant: string;
  atMs: number;
  tokens: number;
  cost: number;
  leaseUntil: number;
}

export type FinalState = 'settled' | 'released';

interface Totals {
  tokens: number;
  cost: number;
}

export type QuotaStatements = ReturnType<typeof prepareQuotaStatements>;

/** Creates the tables if this is a new file, then prepares every statement the store runs. */
export function prepareQuotaStatements(db: Database.Database) {
  db.exec(schema);

  return {
    // Finished rows are only window entries, useless once out of the window; rows still in flight wait for
    // their settle, up to a retention limit for holders that died.
    prune: db.prepare<[number, number]>(
      `DELETE FROM quota_reservations WHERE at_ms <= ? AND (state <> 'reserved' OR at_ms < ?)`,
    ),
    pruneDaily: db.prepare<[string]>('DELETE FROM quota_daily_usage WHERE day < ?'),
    exists: db.prepare<[string], { id: string }>('SELECT id FROM quota_reservations WHERE id = ?'),
    inFlightRow: db.prepare<[string], ReservationRow>(
      `SELECT bucket, tenant, at_ms, tokens, cost FROM quota_reservations WHERE id = ? AND state = 'reserved'`,
    ),
    slots: db.prepare<[string, number], { held: number; earliest: number | null }>(
      `SELECT COUNT(*) AS held, MIN(lease_until) AS earliest FROM quota_reservations
       WHERE bucket = ? AND in_flight = 1 AND lease_until > ?`,
    ),
    requests: db.prepare<[string, number], { count: number; oldest: number | null }>(
      'SELECT COUNT(*) AS count, MIN(at_ms) AS oldest FROM quota_reservations WHERE bucket = ? AND at_ms > ?',
    ),
    windowTokens: db.prepare<[string, number], { atMs: number; tokens: number }>(
      `SELECT at_ms AS atMs, tokens FROM quota_reservations
       WHERE bucket = ? AND at_ms > ? AND tokens > 0 ORDER BY at_ms`,
    ),
    insert: db.prepare<[NewReservation]>(
      `INSERT INTO quota_reservations (id, bucket, tenant, at_ms, tokens, cost, in_flight, lease_until, state)
       VALUES (@id, @bucket, @tenant, @atMs, @tokens, @cost, 1, @leaseUntil, 'reserved')`,
    ),
    finish: db.prepare<[{ id: string; tokens: number; cost: number; state: FinalState }]>(
      `UPDATE quota_reservations SET tokens = @tokens, cost = @cost, in_flight = 0, state = @state WHERE id = @id`,
    ),
    daily: db.prepare<[string, string], Totals>(
      'SELECT tokens, cost FROM quota_daily_usage WHERE tenant = ? AND day = ?',
    ),
    addDaily: db.prepare<[string, string, number, number]>(
      `INSERT INTO quota_daily_usage (tenant, day, tokens, cost) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant, day) DO UPDATE SET tokens = tokens + excluded.tokens, cost = cost + excluded.cost`,
    ),
  };
}
