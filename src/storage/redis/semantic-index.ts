import type { Redis } from 'ioredis';
import { createVectorTable, type MemorySemanticIndexOptions, unitVector } from '../memory/semantic-index.js';
import type { SemanticIndex } from '../ports/semantic-index.js';
import { openRedisConnection } from './connection.js';

export interface RedisSemanticIndexOptions extends MemorySemanticIndexOptions {
  /** redis:// or rediss:// URL (may carry a password; it never appears in messages). */
  readonly url: string;
  /** Every key starts with it (several installations can share one Redis). Default `gantry:`. */
  readonly prefix?: string;
  /** Bound on establishing a connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Bound on one call (default 1000 ms): a slow Redis makes a cache miss, never a slow request. */
  readonly commandTimeoutMs?: number;
}

/**
 * KEYS: log (list), meta (hash: gen, seq). ARGV: record (expiresAt|base64|key), cap, expiresAt.
 * Records are numbered by `seq`; `gen` changes whenever the index starts afresh (after it expired),
 * so a mirror knows its numbering is void. Both keys live as long as their longest-lived entry.
 */
const LUA_ADD = `
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
if seq == 1 or redis.call('HEXISTS', KEYS[2], 'gen') == 0 then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[2], 'gen', t[1] .. '.' .. t[2])
end
redis.call('RPUSH', KEYS[1], seq .. '|' .. ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
local at = tonumber(ARGV[3])
local current = redis.call('PEXPIRETIME', KEYS[2])
if current < 0 or current < at then
  redis.call('PEXPIREAT', KEYS[1], at)
  redis.call('PEXPIREAT', KEYS[2], at)
end
return seq`;

/**
 * KEYS: log, meta. ARGV: the mirror's gen and last seq. Returns {gen, seq} and, when there is
 * something new, the records after the mirror's seq (all of them when gen changed).
 */
const LUA_SYNC = `
local meta = redis.call('HMGET', KEYS[2], 'gen', 'seq')
local gen = meta[1]
if not gen then return {'', 0} end
local seq = tonumber(meta[2] or '0')
if gen == ARGV[1] then
  local n = seq - tonumber(ARGV[2])
  if n <= 0 then return {gen, seq} end
  return {gen, seq, redis.call('LRANGE', KEYS[1], -n, -1)}
end
return {gen, seq, redis.call('LRANGE', KEYS[1], 0, -1)}`;

interface Scripts {
  semanticAdd(log: string, meta: string, record: string, cap: number, expiresAt: number): Promise<number>;
  semanticSync(log: string, meta: string, gen: string, seq: number): Promise<[string, number | string, string[]?]>;
}

interface SyncState {
  gen: string;
  seq: number;
}

function encode(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  // Copied into its own aligned buffer (a Buffer may sit at any offset of a shared pool).
  return new Float32Array(Uint8Array.from(bytes).buffer, 0, Math.floor(bytes.length / 4));
}

/** `seq|expiresAt|base64|key` (the key last: it may contain the separator). */
function parseRecord(record: string): { seq: number; expiresAt: number; vector: Float32Array; key: string } | undefined {
  const a = record.indexOf('|');
  const b = record.indexOf('|', a + 1);
  const c = record.indexOf('|', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  return { seq: Number(record.slice(0, a)), expiresAt: Number(record.slice(a + 1, b)), vector: decode(record.slice(b + 1, c)), key: record.slice(c + 1) };
}

/**
 * A semantic index shared by replicas through plain Redis (no vector module needed): each index is a
 * capped list of records, and each process searches a local mirror that it brings up to date before
 * every search with one round trip reading only the records it has not seen yet.
 */
export function openRedisSemanticIndex(options: RedisSemanticIndexOptions): SemanticIndex {
  const prefix = options.prefix ?? 'gantry:';
  const cap = options.maxPerIndex ?? 5_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const synced = new Map<string, SyncState>();
  const inFlight = new Map<string, Promise<void>>();
  const mirror = createVectorTable(options, (index) => synced.delete(index));
  // Connects on first use: a gateway without semantic caching never opens this connection.
  const { client, whenReady: ready, close } = openRedisConnection({
    url: options.url,
    lazyConnect: true,
    connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
    maxReconnectDelayMs: 2_000,
    unreachable: (where, { closed, lastError, status }) =>
      new Error(`Redis at ${where} is unreachable (${closed ? 'the semantic index was closed' : (lastError ?? status)})`),
    timedOut: (where) => new Error(`Redis at ${where} did not connect within ${connectTimeoutMs} ms`),
  });
  client.defineCommand('semanticAdd', { numberOfKeys: 2, lua: LUA_ADD });
  client.defineCommand('semanticSync', { numberOfKeys: 2, lua: LUA_SYNC });
  const redis = client as Redis & Scripts;
  const keys = (index: string) => [`${prefix}sem:${index}:log`, `${prefix}sem:${index}:meta`] as const;

  async function sync(index: string): Promise<void> {
    await ready();
    const known = synced.get(index);
    const [log, meta] = keys(index);
    const [gen, seqRaw, records] = await redis.semanticSync(log, meta, known?.gen ?? '', known?.seq ?? 0);
    const seq = Number(seqRaw);
    if (gen === '' || gen !== known?.gen) mirror.drop(index); // expired or started afresh: our copy is void
    if (gen === '') return;
    for (const record of records ?? []) {
      const r = parseRecord(record);
      if (r && (!known || gen !== known.gen || r.seq > known.seq)) mirror.insert(index, r.vector, r.key, r.expiresAt);
    }
    synced.set(index, { gen, seq });
  }

  /** One sync per index at a time: concurrent searches share it. */
  function syncOnce(index: string): Promise<void> {
    let pending = inFlight.get(index);
    if (!pending) {
      pending = sync(index).finally(() => inFlight.delete(index));
      inFlight.set(index, pending);
    }
    return pending;
  }

  return {
    kind: 'redis',
    async search(index, vector, threshold, now) {
      const query = unitVector(vector);
      if (!query) return undefined;
      await syncOnce(index);
      return mirror.search(index, query, threshold, now);
    },
    async add(index, vector, key, expiresAt) {
      const unit = unitVector(vector);
      if (!unit) return;
      await ready();
      const [log, meta] = keys(index);
      await redis.semanticAdd(log, meta, `${expiresAt}|${encode(unit)}|${key}`, cap, expiresAt);
    },
    close,
  };
}
