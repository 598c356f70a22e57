import { LUA_COMMON } from './common.js';

/**
 * heartbeat: ARGV = P, owner, now, ttlMs, reclaim (1/0). Renews the owner; with reclaim, reclaims every
 * reservation of owners whose liveness is missing or lapsed and forgets them. Reply: how many were reclaimed.
 */
export const LUA_HEARTBEAT = `${LUA_COMMON}
local owner, now, ttl, reclaim = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] ~= '0'
local live = P .. 'live'
redis.call('ZADD', live, int(now + ttl), owner)
local n = 0
for _, o in ipairs(reclaim and redis.call('SMEMBERS', P .. 'owners') or {}) do
  if o ~= owner then
    local alive = tonumber(redis.call('ZSCORE', live, o))
    if not alive or alive < now then
      for _, id in ipairs(redis.call('SMEMBERS', P .. 'own:' .. o)) do
        if release(id) then n = n + 1 end
      end
      redis.call('DEL', P .. 'own:' .. o)
      redis.call('SREM', P .. 'owners', o)
    end
  end
end
redis.call('ZREMRANGEBYSCORE', live, '-inf', '(' .. int(now))
return n
`;

/** release: ARGV = P, id. Drops a reservation if it exists (an admit whose reply was lost). Reply: 1 or 0. */
export const LUA_RELEASE = `${LUA_COMMON}
if release(ARGV[2]) then return 1 end
return 0
`;
