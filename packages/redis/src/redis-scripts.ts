import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA (falling back to EVAL when the server has not cached it, e.g. after a restart). */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

const script = (source: string): RedisScript => ({ source, sha1: createHash('sha1').update(source).digest('hex') });

/** KEYS[1] key; ARGV[1] expected; ARGV[2] new value; ARGV[3] TTL in ms or '' for none. Returns 1 when written. */
export const compareAndSetScript = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`);

/** KEYS[1] key; ARGV[1] amount; ARGV[2] 'persist' or a TTL in ms. INCRBY fails (writing nothing) on a non-integer value. */
export const incrementScript = script(`
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] == 'persist' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`);

/**
 * KEYS[1] sorted set; ARGV[1] member; ARGV[2] 'front' or 'back'; ARGV[3] TTL in ms or ''.
 * Scores are one below the first or one above the last member, so order is arrival order. Returns the 1-based position.
 */
export const queuePushScript = script(`
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then
  local score
  if ARGV[2] == 'front' then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    score = (tonumber(first[2]) or 0) - 1
    rank = 0
  else
    local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
    score = (tonumber(last[2]) or 0) + 1
    rank = redis.call('ZCARD', KEYS[1])
  end
  redis.call('ZADD', KEYS[1], score, ARGV[1])
end
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return rank + 1
`);

// The queue lease scripts: KEYS[1] the queue's sorted set, KEYS[2] its moves (member -> lease expiry in ms, server clock).
// Both keys carry the queue name as a hash tag, so Redis Cluster keeps them in one slot.
const putBackExpired = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for index = #expired, 1, -1 do
  local member = expired[index]
  redis.call('ZREM', KEYS[2], member)
  if not redis.call('ZSCORE', KEYS[1], member) then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    redis.call('ZADD', KEYS[1], (tonumber(first[2]) or 0) - 1, member)
  end
end
`;

/**
 * KEYS[1] queue, KEYS[2] moves; ARGV[1] lease in ms. Puts moves whose lease ran out back at the front (the oldest claim first),
 * then moves the front member into the moves with a lease. Returns the member, or false when nobody waits.
 */
export const queueClaimScript = script(`${putBackExpired}
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), popped[1])
return popped[1]
`);

/** KEYS[1] queue, KEYS[2] moves; ARGV[1] member. The move succeeded: the member leaves both. */
export const queueConfirmScript = script(`
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`);

/** KEYS[1] queue, KEYS[2] moves; ARGV[1] member. The move failed: the member goes back to the front. Returns its position. */
export const queueReleaseScript = script(`
redis.call('ZREM', KEYS[2], ARGV[1])
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then return rank + 1 end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
redis.call('ZADD', KEYS[1], (tonumber(first[2]) or 0) - 1, ARGV[1])
return 1
`);

/** KEYS[1] queue, KEYS[2] moves; ARGV[1] member. Removes a waiting or moving member (a hang-up); 1 when this call removed it. */
export const queueRemoveScript = script(`
local removed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if removed > 0 then return 1 end
return 0
`);

/**
 * The store's `claim`. KEYS[1] the claimed key, then (when ARGV[5] is not '') the guard key, then (when ARGV[3] is '1') the key
 * whose presence refuses the claim, then the ARGV[4] keys written whatever the claim's outcome, then the keys read. ARGV[1] the
 * value; ARGV[2] TTL in ms or ''; ARGV[5] '' or 'v' and the guard's value, ARGV[6] its TTL in ms or ''; ARGV[7…] a value and a
 * TTL (or '') per written key, then the values the claim replaces, 'a' for absent or 'v' and the value.
 * Returns {3, held} when the guard holds another value, {2, blocker} when refused by the blocker, else {1 when written or 0,
 * the value it saw, the values read…}.
 */
export const claimScript = script(`
local cursor = 2
if ARGV[5] ~= '' then
  local held = redis.call('GET', KEYS[2])
  if not held then
    if ARGV[6] == '' then redis.call('SET', KEYS[2], string.sub(ARGV[5], 2)) else redis.call('SET', KEYS[2], string.sub(ARGV[5], 2), 'PX', ARGV[6]) end
  elseif 'v' .. held ~= ARGV[5] then
    return {3, held}
  end
  cursor = 3
end
if ARGV[3] == '1' then
  local blocker = redis.call('GET', KEYS[cursor])
  if blocker then return {2, blocker} end
  cursor = cursor + 1
end
local writes = tonumber(ARGV[4])
local previous = redis.call('GET', KEYS[1])
local claimed = 0
for index = 7 + writes * 2, #ARGV do
  local expected = ARGV[index]
  if (not previous and expected == 'a') or (previous and expected == 'v' .. previous) then
    claimed = 1
    break
  end
end
if claimed == 1 then
  if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
end
for index = 1, writes do
  local key, value, ttl = KEYS[cursor], ARGV[5 + index * 2], ARGV[6 + index * 2]
  if ttl == '' then redis.call('SET', key, value) else redis.call('SET', key, value, 'PX', ttl) end
  cursor = cursor + 1
end
local reply = {claimed, previous}
for index = cursor, #KEYS do reply[#reply + 1] = redis.call('GET', KEYS[index]) end
return reply
`);

/** The store's `setMany`. KEYS the keys; ARGV a value and a TTL in ms (or '') per key, in order. */
export const setManyScript = script(`
for index = 1, #KEYS do
  local ttl = ARGV[index * 2]
  if ttl == '' then redis.call('SET', KEYS[index], ARGV[index * 2 - 1]) else redis.call('SET', KEYS[index], ARGV[index * 2 - 1], 'PX', ttl) end
end
return #KEYS
`);
