import type { Redis } from 'ioredis';
import { COMPLETED_TTL_MS, distinctHolds, distinctSlots, duplicateReservationError, KEY_SEPARATOR } from '../counter-rules.js';
import { type AdmitResult, type BudgetLevel, type CounterStore, CounterStoreUnavailableError, type RateState } from '../ports/counter-store.js';
import { openRedisConnection } from './connection.js';
import { LUA_ADMIT } from './lua/admit.js';
import { LUA_COMPLETE } from './lua/complete.js';
import { LUA_HEARTBEAT, LUA_RELEASE } from './lua/heartbeat.js';
import { LUA_CLAIM, LUA_LEVELS, LUA_OPEN, LUA_SEED } from './lua/reads.js';

export interface RedisCounterStoreOptions {
  /** redis:// or rediss:// URL (may carry a password; it never appears in messages). */
  readonly url: string;
  /** This process's id (host:pid:random). */
  readonly owner: string;
  /** Every key starts with it (several installations can share one Redis). Default `gantry:`. */
  readonly prefix?: string;
  /** Bound on establishing a connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Bound on one call (default 1000 ms): a slow or hung Redis rejects instead of holding requests. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnect attempts (default 2000 ms); reconnecting never stops. */
  readonly maxReconnectDelayMs?: number;
}

type Arg = string | number;
interface Scripts {
  counterAdmit(...args: Arg[]): Promise<number[]>;
  counterComplete(...args: Arg[]): Promise<number[]>;
  counterHeartbeat(...args: Arg[]): Promise<number>;
  counterRelease(...args: Arg[]): Promise<number>;
  counterLevels(...args: Arg[]): Promise<number[]>;
  counterSeed(...args: Arg[]): Promise<number>;
  counterClaim(...args: Arg[]): Promise<number>;
  counterOpen(...args: Arg[]): Promise<number>;
}

/** Admits whose reply was lost (timeout, dropped connection) but that may have run: released at the next heartbeat. */
const MAX_UNCERTAIN = 10_000;
const NOT_SENT = "Stream isn't writeable";
const CONNECTION = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/;
const SERVER_DOWN = /^(LOADING|READONLY|MASTERDOWN|BUSY|NOAUTH|WRONGPASS|OOM|CLUSTERDOWN|TRYAGAIN)\b/;

function levelsFrom(keys: readonly string[], flat: readonly number[]): Map<string, BudgetLevel> {
  const out = new Map<string, BudgetLevel>();
  for (let i = 0; i < keys.length; i++) out.set(keys[i]!, { committedMicros: flat[2 * i] ?? 0, reservedMicros: flat[2 * i + 1] ?? 0 });
  return out;
}

/**
 * Counters shared by replicas through Redis: one Lua script per operation (EVALSHA, one round trip),
 * all keys under `prefix`. Fails fast while Redis is unreachable (no offline queue, bounded connect and
 * command timeouts; CounterStoreUnavailableError) and reconnects on its own. Standalone Redis or a
 * primary (Sentinel); not Redis Cluster (scripts touch keys they compute).
 */
export function openRedisCounterStore(options: RedisCounterStoreOptions): CounterStore {
  const { owner } = options;
  const prefix = options.prefix ?? 'gantry:';
  const commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
  const uncertain = new Set<string>();

  const connection = openRedisConnection({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
    commandTimeoutMs,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2_000,
    unreachable: (where, { closed, lastError, status }) => {
      const why = closed ? 'the counter store was closed' : (lastError ?? `no connection yet (status ${status})`);
      return new CounterStoreUnavailableError(`Redis at ${where} is unreachable (${why}); budgets and rate limits cannot be counted until it answers again.`);
    },
    failure,
  });
  const { client, where, whenReady, call } = connection;
  const scripts: [keyof Scripts, string][] = [
    ['counterAdmit', LUA_ADMIT],
    ['counterComplete', LUA_COMPLETE],
    ['counterHeartbeat', LUA_HEARTBEAT],
    ['counterRelease', LUA_RELEASE],
    ['counterLevels', LUA_LEVELS],
    ['counterSeed', LUA_SEED],
    ['counterClaim', LUA_CLAIM],
    ['counterOpen', LUA_OPEN],
  ];
  for (const [name, lua] of scripts) client.defineCommand(name, { numberOfKeys: 0, lua });
  const redis = client as Redis & Scripts;

  function failure(err: unknown): unknown {
    if (err instanceof CounterStoreUnavailableError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes('Command timed out')) {
      return new CounterStoreUnavailableError(`Redis at ${where} did not answer within ${commandTimeoutMs} ms; budgets and rate limits cannot be counted until it does.`);
    }
    if ((err instanceof Error && err.name === 'MaxRetriesPerRequestError') || CONNECTION.test(message)) return connection.unreachable();
    if (SERVER_DOWN.test(message)) return new CounterStoreUnavailableError(`Redis at ${where} cannot serve counters now: ${message}`);
    return err;
  }

  /** Releases admits that may have run although their reply never came. */
  async function settleUncertain(): Promise<void> {
    for (const id of [...uncertain]) {
      await redis.counterRelease(prefix, id);
      uncertain.delete(id);
    }
  }

  return {
    kind: 'redis',

    async admit(req) {
      const holds = distinctHolds(req.holds);
      const slots = distinctSlots(req.slots);
      const args: Arg[] = [
        prefix,
        owner,
        req.id,
        req.now,
        req.minMicros,
        req.maxMicros,
        holds.map((h) => h.key).join(KEY_SEPARATOR),
        slots.map((s) => s.key).join(KEY_SEPARATOR),
        req.rates.length,
      ];
      for (const r of req.rates) args.push(r.key, r.limit, r.windowMs, r.amount);
      args.push(slots.length);
      for (const s of slots) args.push(s.key, s.limit);
      args.push(holds.length);
      for (const h of holds) args.push(h.key, h.limitMicros ?? '', h.expiresAt, h.fromLedger ? 1 : 0);

      if (client.status !== 'ready') await whenReady();
      let reply: number[];
      try {
        reply = await redis.counterAdmit(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        if (!message.includes(NOT_SENT) && uncertain.size < MAX_UNCERTAIN && (holds.length > 0 || slots.length > 0)) uncertain.add(req.id);
        throw failure(err);
      }

      const rateStates = (from: number): RateState[] =>
        req.rates.map((r, i) => ({ key: r.key, limit: r.limit, remaining: reply[from + 2 * i]!, resetMs: reply[from + 2 * i + 1]! }));
      if (reply[0] === -1) throw duplicateReservationError(req.id);
      if (reply[0] === 1) return { ok: true, grantedMicros: reply[1]!, rates: rateStates(2) };
      const index = reply[2]! - 1;
      let result: AdmitResult;
      if (reply[1] === 1) {
        const r = req.rates[index]!;
        result = { ok: false, reason: 'rate', key: r.key, limit: r.limit, retryAfterMs: reply[3]!, rates: rateStates(4) };
      } else if (reply[1] === 4) {
        result = { ok: false, reason: 'unseeded', key: holds[index]!.key };
      } else if (reply[1] === 2) {
        const s = slots[index]!;
        result = { ok: false, reason: 'concurrency', key: s.key, limit: s.limit };
      } else {
        result = { ok: false, reason: 'budget', key: holds[index]!.key, availableMicros: reply[3]! };
      }
      return result;
    },

    complete(req) {
      const holds = distinctHolds(req.holds);
      const args: Arg[] = [prefix, req.id, req.now, req.actualMicros, COMPLETED_TTL_MS, holds.length];
      for (const h of holds) args.push(h.key, h.expiresAt, h.fromLedger ? 1 : 0);
      args.push(req.rateAdds.length);
      for (const a of req.rateAdds) args.push(a.key, a.windowMs, a.amount);
      return call(async () =>
        levelsFrom(
          holds.map((h) => h.key),
          await redis.counterComplete(...args),
        ),
      );
    },

    levels(keys) {
      if (keys.length === 0) return Promise.resolve(new Map());
      return call(async () => levelsFrom(keys, await redis.counterLevels(prefix, ...keys)));
    },

    seed(key, committedMicros, expiresAt) {
      return call(async () => (await redis.counterSeed(prefix, key, committedMicros, expiresAt)) === 1);
    },

    heartbeat(now, ttlMs, opts) {
      return call(async () => {
        if (uncertain.size > 0) await settleUncertain();
        return { reclaimed: await redis.counterHeartbeat(prefix, owner, now, ttlMs, opts?.reclaim === false ? 0 : 1) };
      });
    },

    claimOnce(key, now, ttlMs) {
      return call(async () => (await redis.counterClaim(prefix, key, now, ttlMs)) === 1);
    },

    openReservations() {
      return call(() => redis.counterOpen(prefix));
    },

    close: connection.close,
  };
}
