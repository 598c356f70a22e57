import { LUA_COMMON } from './common.js';

/**
 * complete: ARGV = P, id, now, actualMicros, completed-id ttl ms, nHolds, (key, expiresAt, fromLedger 1|0)…,
 * nRateAdds, (key, windowMs, amount)…  Reply: {committed, reserved, …} per hold, after the call.
 * A completed id is remembered, so a repeated call changes nothing.
 */
export const LUA_COMPLETE = `${LUA_COMMON}
local id, now, actual = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local first = redis.call('EXISTS', P .. 'done:' .. id) == 0
if first then release(id) end
local i = 6
local nH = tonumber(ARGV[i]); i = i + 1
local keys = {}
for j = 1, nH do
  local bk, exp, fromLedger = P .. 'b:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2] == '1'
  i = i + 3
  keys[j] = bk
  if first then
    local e = tonumber(redis.call('HGET', bk, 'e'))
    if fromLedger and not e then
      -- a counter rebuilt from the ledger is never started here (the ledger has this request's cost)
    elseif e and e >= now then
      redis.call('HINCRBY', bk, 'c', int(actual))
    else
      redis.call('HSET', bk, 'c', int(actual), 'r', '0', 'e', exp)
      redis.call('PEXPIREAT', bk, exp)
    end
  end
end
if first then
  local nA = tonumber(ARGV[i]); i = i + 1
  for j = 1, nA do
    local key, w, amount = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    i = i + 3
    if amount ~= 0 then
      local win = math.floor(now / w)
      local rk = P .. 'r:' .. int(w) .. ':' .. key .. ':' .. int(win)
      if redis.call('INCRBY', rk, int(amount)) == amount then redis.call('PEXPIREAT', rk, int((win + 2) * w)) end
    end
  end
  redis.call('SET', P .. 'done:' .. id, '1', 'PX', ARGV[5])
end
local out = {}
for j = 1, nH do
  local b = redis.call('HMGET', keys[j], 'c', 'r')
  out[#out + 1] = tonumber(b[1]) or 0
  out[#out + 1] = tonumber(b[2]) or 0
end
return out
`;
