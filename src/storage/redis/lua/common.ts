/**
 * Lua shared by the counter scripts: ARGV[1] is always the key prefix. The rate arithmetic mirrors
 * src/storage/counter-rules.ts exactly (same operations in the same order, IEEE doubles in both).
 * Numbers go to Redis through int(): Lua would print large ones as 1.8e+12.
 *
 * Keys (all under the prefix P):
 *   P b:<key>            hash c (committed), r (reserved), e (expires at, epoch ms); PEXPIREAT e when created
 *   P r:<ms>:<key>:<win> rate window count; PEXPIREAT (win + 2) × ms when created
 *   P s:<key>            slots in use
 *   P res:<id>           reservation: o (owner), g (grant), h (hold keys), s (slot keys), joined by \n
 *   P own:<owner>        ids of the owner's open reservations;  P owners: owners with reservations
 *   P live               zset owner → alive until (epoch ms)
 *   P done:<id>          completed reservation id (PX 10 min);  P claim:<key>: claimOnce, value = until
 */
export const LUA_COMMON = `
local P = ARGV[1]
local function int(n) return string.format('%d', n) end
local function estimate(prev, cur, e, w)
  if prev == 0 then return cur end
  return math.ceil(prev * (w - e) / w) + cur
end
local function wait(prev, cur, e, w, limit, amount)
  if amount > limit then return w end
  if estimate(prev, cur, e, w) + amount <= limit then return 0 end
  local room = limit - amount - cur
  if room >= 0 then return math.max(1, w - math.floor(room * w / prev) - e) end
  return math.max(1, w - e + w - math.floor((limit - amount) * w / cur))
end
local function split(s)
  local t = {}
  if s then for k in string.gmatch(s, '[^\\n]+') do t[#t + 1] = k end end
  return t
end
local function release(id)
  local rk = P .. 'res:' .. id
  local r = redis.call('HMGET', rk, 'o', 'g', 'h', 's')
  if not r[1] then return false end
  local g = tonumber(r[2])
  for _, k in ipairs(split(r[3])) do
    local bk = P .. 'b:' .. k
    local cur = tonumber(redis.call('HGET', bk, 'r'))
    if cur then redis.call('HSET', bk, 'r', int(math.max(0, cur - g))) end
  end
  for _, k in ipairs(split(r[4])) do
    local sk = P .. 's:' .. k
    if redis.call('DECR', sk) <= 0 then redis.call('DEL', sk) end
  end
  redis.call('DEL', rk)
  redis.call('SREM', P .. 'own:' .. r[1], id)
  return true
end
`;
