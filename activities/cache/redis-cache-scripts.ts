/**
 * The Lua behind the Redis cache store. Keys, under the store's prefix: `cache:value:<key>` (hash of value
 * and expiresAt) and `cache:claim:<key>` (hash of owner and leaseUntil). Times are the caller's `nowMs`;
 * the Redis expiries only remove what has run out anyway.
 */

/** KEYS: value, claim. ARGV: value, expiresAt, ttlMs. Storing the answer ends the single flight. */
export const setLua = `
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('HSET', KEYS[1], 'value', ARGV[1], 'expiresAt', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
redis.call('DEL', KEYS[2])
return 1
`;

/**
 * KEYS: claim. ARGV: owner, nowMs, leaseMs. Like SET NX PX, except that the lease is judged by the caller's
 * clock: a claim whose lease has run out, or the owner's own, is taken (again); another's live one is not.
 * Returns 1 for the owner, 0 otherwise.
 */
export const claimLua = `
local owner, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'owner', 'leaseUntil')
if held[1] and held[1] ~= owner and tonumber(held[2]) > now then
  return 0
end
redis.call('HSET', KEYS[1], 'owner', owner, 'leaseUntil', now + lease)
redis.call('PEXPIRE', KEYS[1], math.max(lease, 1))
return 1
`;

/** KEYS: claim. ARGV: owner. Only the owner's own claim is released. */
export const releaseClaimLua = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
`;
