/**
 * The result cache store. SQLite by default, Redis in fleet mode; both pass the same tests. Keys are opaque
 * hashes built by the caller (tenant scope, template, prompt, model, parameters).
 */
export interface CacheStore {
  get(key: string, nowMs: number): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number, nowMs: number): Promise<void>;
  /**
   * Single flight: the first caller to claim a key becomes its owner until it sets the value, releases the
   * claim, or the lease runs out. Returns true for the owner.
   */
  claim(key: string, owner: string, leaseMs: number, nowMs: number): Promise<boolean>;
  releaseClaim(key: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
