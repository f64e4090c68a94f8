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
