/**
 * The Lua behind the Redis quota store; each script is one atomic step on the server. Keys, under the
 * store's prefix: `quota:reservation:<id>` (hash), and per bucket `quota:window:<bucket>` (sorted set of
 * reservation ids by time), `quota:window-tokens:<bucket>` (hash id -> tokens in the window) and
 * `quota:in-flight:<bucket>` (sorted set of ids by lease end); per tenant and UTC day
 * `quota:daily:<day>:<tenant>` (hash of tokens and cost). Time is always the caller's `nowMs`; the
 * expiries only clean up keys that nothing uses any more.
 */

/** Sets an expiry no shorter than the key already has. */
const keepFor = `
local function keepFor(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, ms)
  end
end
`;

/**
 * KEYS: reservation, window, window tokens, in flight, daily.
 * ARGV: id, bucket, tenant, tokens, cost, leaseMs, nowMs, day, requestsPerMinute, tokensPerMinute,
 * maxConcurrent, budget tokens, budget cost (limits '' when absent), key prefix, window ms, longest
 * concurrency wait ms, in-flight retention ms, daily retention ms.
 * Returns {'granted'}, {'wait', reason, retryAfterMs}, {'over_budget', budget, used, limit} or
 * {'too_large', limit, requested, max}.
 */
export const reserveLua = `${keepFor}
local reservation, window, windowTokens, inFlight, daily = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, bucket, tenant = ARGV[1], ARGV[2], ARGV[3]
local tokens, cost, leaseMs, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local day = ARGV[8]
local function limit(value)
  if value == '' then return nil end
  return tonumber(value)
end
local requestsPerMinute, tokensPerMinute, maxConcurrent = limit(ARGV[9]), limit(ARGV[10]), limit(ARGV[11])
local budgetTokens, budgetCost = limit(ARGV[12]), limit(ARGV[13])
local prefix = ARGV[14]
local windowMs, longestConcurrencyWait = tonumber(ARGV[15]), tonumber(ARGV[16])
local inFlightRetention, dailyRetention = tonumber(ARGV[17]), tonumber(ARGV[18])

-- Entries that left the window go; a finished reservation is forgotten with its entry.
local windowStart = now - windowMs
for _, member in ipairs(redis.call('ZRANGEBYSCORE', window, '-inf', windowStart)) do
  redis.call('HDEL', windowTokens, member)
  local key = prefix .. 'quota:reservation:' .. member
  if redis.call('HGET', key, 'state') ~= 'reserved' then
    redis.call('DEL', key)
  end
end
redis.call('ZREMRANGEBYSCORE', window, '-inf', windowStart)
redis.call('ZREMRANGEBYSCORE', inFlight, '-inf', now)

if redis.call('EXISTS', reservation) == 1 then
  return {'granted'}
end

if tokensPerMinute and tokens > tokensPerMinute then
  return {'too_large', 'tokensPerMinute', tokens, tokensPerMinute}
end
if budgetTokens and tokens > budgetTokens then
  return {'too_large', 'dailyTokens', tokens, budgetTokens}
end
if budgetCost and cost > budgetCost then
  return {'too_large', 'dailyCost', cost, budgetCost}
end

local used = redis.call('HMGET', daily, 'tokens', 'cost')
local usedTokens, usedCost = tonumber(used[1]) or 0, tonumber(used[2]) or 0
if budgetTokens and usedTokens + tokens > budgetTokens then
  return {'over_budget', 'tokens', usedTokens, budgetTokens}
end
if budgetCost and usedCost + cost > budgetCost then
  return {'over_budget', 'cost', usedCost, budgetCost}
end

if maxConcurrent and redis.call('ZCARD', inFlight) >= maxConcurrent then
  local wait = longestConcurrencyWait
  local earliest = redis.call('ZRANGE', inFlight, 0, 0, 'WITHSCORES')
  if earliest[2] then
    wait = math.min(math.max(1, tonumber(earliest[2]) - now), longestConcurrencyWait)
  end
  return {'wait', 'concurrency', wait}
end

if requestsPerMinute and redis.call('ZCARD', window) >= requestsPerMinute then
  local wait = windowMs
  local oldest = redis.call('ZRANGE', window, 0, 0, 'WITHSCORES')
  if oldest[2] then
    wait = math.max(1, tonumber(oldest[2]) + windowMs - now)
  end
  return {'wait', 'requests', wait}
end

if tokensPerMinute then
  local amounts = redis.call('HGETALL', windowTokens)
  local byId, inWindow = {}, 0
  for i = 1, #amounts, 2 do
    local amount = tonumber(amounts[i + 1])
    byId[amounts[i]] = amount
    inWindow = inWindow + amount
  end

  if inWindow + tokens > tokensPerMinute then
    -- Oldest first: the wait ends when the entry whose departure makes room leaves the window.
    local entries = redis.call('ZRANGE', window, 0, -1, 'WITHSCORES')
    local wait = windowMs
    for i = 1, #entries, 2 do
      inWindow = inWindow - (byId[entries[i]] or 0)
      if inWindow + tokens <= tokensPerMinute then
        wait = math.max(1, tonumber(entries[i + 1]) + windowMs - now)
        break
      end
    end
    return {'wait', 'tokens', wait}
  end
end

local leaseUntil = now + leaseMs
redis.call('HSET', reservation, 'bucket', bucket, 'tenant', tenant, 'day', day, 'at', now,
  'tokens', tokens, 'cost', cost, 'leaseUntil', leaseUntil, 'state', 'reserved')
redis.call('PEXPIRE', reservation, inFlightRetention)
redis.call('ZADD', window, now, id)
redis.call('HSET', windowTokens, id, tokens)
if leaseMs > 0 then
  redis.call('ZADD', inFlight, leaseUntil, id)
end
redis.call('HINCRBY', daily, 'tokens', tokens)
redis.call('HINCRBY', daily, 'cost', cost)

keepFor(window, 2 * windowMs)
keepFor(windowTokens, 2 * windowMs)
keepFor(inFlight, leaseMs + windowMs)
keepFor(daily, dailyRetention)
return {'granted'}
`;

/**
 * Settle and release in one: the reservation's tokens and cost become the given ones (the provider's count,
 * or zero for a release) in the window and in the day it was charged to, and its slot is freed.
 * KEYS: reservation. ARGV: id, tokens, cost, final state, key prefix, daily retention ms.
 * Returns 1 when it changed something, 0 for an unknown or finished reservation.
 */
export const finishLua = `${keepFor}
local reservation = KEYS[1]
local id, tokens, cost, state = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local prefix, dailyRetention = ARGV[5], tonumber(ARGV[6])

local held = redis.call('HMGET', reservation, 'state', 'bucket', 'tenant', 'day', 'tokens', 'cost')
if held[1] ~= 'reserved' then
  return 0
end
local bucket, tenant, day = held[2], held[3], held[4]

local daily = prefix .. 'quota:daily:' .. day .. ':' .. tenant
redis.call('HINCRBY', daily, 'tokens', tokens - tonumber(held[5]))
redis.call('HINCRBY', daily, 'cost', cost - tonumber(held[6]))
keepFor(daily, dailyRetention)
redis.call('ZREM', prefix .. 'quota:in-flight:' .. bucket, id)

-- Once its window entry is gone a finished reservation has nothing left to count, like a pruned row.
local windowTokens = prefix .. 'quota:window-tokens:' .. bucket
if redis.call('HEXISTS', windowTokens, id) == 1 then
  redis.call('HSET', windowTokens, id, tokens)
  redis.call('HSET', reservation, 'tokens', tokens, 'cost', cost, 'state', state)
else
  redis.call('DEL', reservation)
end
return 1
`;
