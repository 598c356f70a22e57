import { LUA_COMMON } from './common.js';

/** levels: ARGV = P, key… Reply: {committed, reserved, …}. */
export const LUA_LEVELS = `
local P = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local b = redis.call('HMGET', P .. 'b:' .. ARGV[i], 'c', 'r')
  out[#out + 1] = tonumber(b[1]) or 0
  out[#out + 1] = tonumber(b[2]) or 0
end
return out
`;

/** seed: ARGV = P, key, committedMicros, expiresAt. Reply: 1 when seeded, 0 when the key exists. */
export const LUA_SEED = `
local bk = ARGV[1] .. 'b:' .. ARGV[2]
if redis.call('EXISTS', bk) == 1 then return 0 end
redis.call('HSET', bk, 'c', ARGV[3], 'r', '0', 'e', ARGV[4])
redis.call('PEXPIREAT', bk, ARGV[4])
return 1
`;

/** claimOnce: ARGV = P, key, now, ttlMs. Reply: 1 for the first caller until now + ttl, else 0. */
export const LUA_CLAIM = `${LUA_COMMON}
local k = P .. 'claim:' .. ARGV[2]
local now, ttl = tonumber(ARGV[3]), math.max(1, tonumber(ARGV[4]))
local held = tonumber(redis.call('GET', k))
if held and held > now then return 0 end
redis.call('SET', k, int(now + ttl), 'PX', int(ttl))
return 1
`;

/** openReservations: ARGV = P. Reply: open reservations of all owners. */
export const LUA_OPEN = `
local P = ARGV[1]
local n = 0
for _, o in ipairs(redis.call('SMEMBERS', P .. 'owners')) do n = n + redis.call('SCARD', P .. 'own:' .. o) end
return n
`;
