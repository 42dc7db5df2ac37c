-- cohort_update.lua: baselines 2 and 3 of issue 6 (bench/run.sh). One event's state update
-- in Redis, doing in spirit what a Cohort session actor does per event: counters by event
-- type, a 5-minute windowed count of cart adds, a threshold segment, and an idle expiry.
-- Unlike Cohort it keeps no dedup set, session, score or tags, and Redis runs without
-- persistence: it is the cheap end of what a team would build.
--
-- KEYS[1]  the user's hash, e.g. "u:u123"
-- ARGV[1]  event type: page | product_view | cart_add (any other name is only counted)
-- ARGV[2]  event time, milliseconds since the epoch
-- ARGV[3]  cart adds within 5 minutes that make the user "High Intent" (else "Browsing")
-- ARGV[4]  seconds an idle user's hash lives
--
-- Returns the new segment when it changed, else nil. A non-numeric time or threshold is
-- a script error reply (the caller counts it), never a silent default.
--
-- The window is five one-minute buckets of the same hash (fields c:<minute>); the bucket
-- that just left the window is deleted, older ones go with the hash's expiry.
local key = KEYS[1]
local kind = ARGV[1]
local now_ms = tonumber(ARGV[2])
local threshold = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
if not now_ms or not threshold or not ttl then
  return redis.error_reply('cohort_update: time, threshold and ttl must be numbers')
end
local minute = math.floor(now_ms / 60000)

redis.call('HINCRBY', key, 'events', 1)
redis.call('HINCRBY', key, 'n:' .. kind, 1)
redis.call('HSET', key, 'last_seen', ARGV[2])
if kind == 'cart_add' then
  redis.call('HINCRBY', key, 'c:' .. minute, 1)
end
redis.call('HDEL', key, 'c:' .. (minute - 5))

local got = redis.call('HMGET', key, 'c:' .. minute, 'c:' .. (minute - 1), 'c:' .. (minute - 2),
                       'c:' .. (minute - 3), 'c:' .. (minute - 4), 'segment')
local carts = 0
for i = 1, 5 do
  carts = carts + (tonumber(got[i]) or 0)
end
local segment = 'Browsing'
if carts >= threshold then
  segment = 'High Intent'
end
redis.call('EXPIRE', key, ttl)
if got[6] ~= segment then
  redis.call('HSET', key, 'segment', segment)
  return segment
end
return nil
