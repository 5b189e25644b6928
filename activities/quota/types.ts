/**
 * The shared quota store: what Temporal does not count (tokens, money, concurrent calls across workers).
 * Two implementations pass the same tests: SQLite (embedded default, one file shared by the workers of one
 * machine) and Redis (fleet mode). Every operation is atomic across processes.
 */

/** Limits of one provider model, enforced over a sliding 60-second window. Absent means unlimited. */
export interface RateLimits {
  requestsPerMinute?: number;
  /** Prompt tokens plus the requested output allowance, as providers count them at admission. */
  tokensPerMinute?: number;
  maxConcurrent?: number;
}

/** A tenant's daily budgets (UTC days). Absent means unlimited. */
export interface DailyBudget {
  tokens?: number;
  /** Money in micro-dollars (1e-6 USD), so that sums stay exact integers. */
  costMicroUsd?: number;
}

export interface ReservationRequest {
  /** Unique per call attempt; reserving the same id twice returns the first outcome and counts once. */
  id: string;
  /** The provider model the limits belong to, e.g. "openai/gpt-4o-mini". */
  bucket: string;
  limits: RateLimits;
  tenant: string;
  budget: DailyBudget;
  /** Estimated prompt tokens plus the output allowance. */
  tokens: number;
  estimatedCostMicroUsd: number;
  /** How long a concurrency slot is held if the holder dies without settling or releasing. */
  leaseMs: number;
  nowMs: number;
}

export type ReservationOutcome =
  | { kind: 'granted' }
  /** The rate window or the concurrency limit is full; try again after `retryAfterMs`. */
  | { kind: 'wait'; retryAfterMs: number; reason: 'requests' | 'tokens' | 'concurrency' }
  /** The tenant's daily budget would be exceeded by this reservation. */
  | { kind: 'over_budget'; budget: 'tokens' | 'cost'; used: number; limit: number }
  /** The reservation alone is larger than a whole limit or budget: waiting can never help. */
  | { kind: 'too_large'; limit: 'tokensPerMinute' | 'dailyTokens' | 'dailyCost'; requested: number; max: number };

export interface ActualUsage {
  tokens: number;
  costMicroUsd: number;
}

export interface QuotaStore {
  reserve(request: ReservationRequest): Promise<ReservationOutcome>;
  /**
   * Replaces the estimate with the usage the provider reported, in the rate window and the tenant's daily
   * totals, and frees the concurrency slot. Settling an unknown or already settled id does nothing.
   */
  settle(id: string, usage: ActualUsage, nowMs: number): Promise<void>;
  /**
   * The call failed before the provider counted tokens: frees the concurrency slot and returns the estimated
   * tokens and cost. The request itself stays counted in the window (the provider saw it).
   */
  release(id: string, nowMs: number): Promise<void>;
  /** A tenant's totals for the UTC day containing `nowMs`. */
  dailyUsage(tenant: string, nowMs: number): Promise<ActualUsage>;
  close(): Promise<void>;
}
