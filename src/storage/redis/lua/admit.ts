import { LUA_COMMON } from './common.js';

/**
 * admit: ARGV = P, owner, id, now, minMicros, maxMicros, hold keys joined, slot keys joined,
 * nRates, (key, limit, windowMs, amount)…, nSlots, (key, limit)…, nHolds, (key, limit or '', expiresAt, fromLedger 1|0)…
 * Reply: {-1} id already open | {1, grant, remaining, resetMs, …} | {0, 1, rateIndex, retryAfterMs,
 * remaining, resetMs, …} | {0, 2, slotIndex} | {0, 3, holdIndex, availableMicros} | {0, 4, holdIndex}
 * (a fromLedger counter that does not exist: seed it first). Indexes are 1-based.
 */
export const LUA_ADMIT = `${LUA_COMMON}
local owner, id = ARGV[2], ARGV[3]
local now, minM, maxM = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if redis.call('EXISTS', P .. 'res:' .. id) == 1 then return {-1} end
local i = 9
local nR = tonumber(ARGV[i]); i = i + 1
local rates = {}
local refusal, refusalWait = 0, 0
for j = 1, nR do
  local key, limit, w, amount = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  i = i + 4
  local win = math.floor(now / w)
  local e = now - win * w
  local base = P .. 'r:' .. int(w) .. ':' .. key .. ':'
  local ck = base .. int(win)
  local cur = tonumber(redis.call('GET', ck)) or 0
  local prev = tonumber(redis.call('GET', base .. int(win - 1))) or 0
  rates[j] = {ck, limit, w, amount, prev, cur, e, win}
  if amount > 0 and estimate(prev, cur, e, w) + amount > limit then
    local wt = wait(prev, cur, e, w, limit, amount)
    if wt > refusalWait then refusal, refusalWait = j, wt end
  end
end
local function states(out, applied)
  for j = 1, nR do
    local r = rates[j]
    local cur = r[6]
    if applied then cur = cur + r[4] end
    out[#out + 1] = math.max(0, r[2] - estimate(r[5], cur, r[7], r[3]))
    out[#out + 1] = wait(r[5], cur, r[7], r[3], r[2], 1)
  end
  return out
end
if refusal > 0 then return states({0, 1, refusal, refusalWait}, false) end

local nS = tonumber(ARGV[i]); i = i + 1
local slots = {}
for j = 1, nS do
  local sk, limit = P .. 's:' .. ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  if (tonumber(redis.call('GET', sk)) or 0) + 1 > limit then return {0, 2, j} end
  slots[j] = sk
end

local nH = tonumber(ARGV[i]); i = i + 1
local holds = {}
local g = 0
if nH > 0 then
  local tight, room = 0, 0
  for j = 1, nH do
    local bk, limit, exp, fromLedger = P .. 'b:' .. ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3] == '1'
    i = i + 4
    local b = redis.call('HMGET', bk, 'c', 'r', 'e')
    if fromLedger and not b[3] then return {0, 4, j} end
    local live = b[3] and tonumber(b[3]) >= now
    holds[j] = {bk, exp, live}
    if limit then
      local rm = limit
      if live then rm = limit - (tonumber(b[1]) or 0) - (tonumber(b[2]) or 0) end
      if tight == 0 or rm < room then tight, room = j, rm end
    end
  end
  g = maxM
  if tight > 0 then
    if room < g then g = room end
    if g < minM then return {0, 3, tight, math.max(0, room)} end
  end
end

for j = 1, nR do
  local r = rates[j]
  if r[4] > 0 and redis.call('INCRBY', r[1], int(r[4])) == r[4] then
    redis.call('PEXPIREAT', r[1], int((r[8] + 2) * r[3]))
  end
end
for j = 1, nS do redis.call('INCR', slots[j]) end
for j = 1, nH do
  local h = holds[j]
  if h[3] then
    redis.call('HINCRBY', h[1], 'r', int(g))
  else
    redis.call('HSET', h[1], 'c', '0', 'r', int(g), 'e', h[2])
    redis.call('PEXPIREAT', h[1], h[2])
  end
end
if nH > 0 or nS > 0 then
  redis.call('HSET', P .. 'res:' .. id, 'o', owner, 'g', int(g), 'h', ARGV[7], 's', ARGV[8])
  redis.call('SADD', P .. 'owners', owner)
  redis.call('SADD', P .. 'own:' .. owner, id)
end
return states({1, g}, true)
`;
