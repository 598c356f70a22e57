import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { describe } from 'vitest';

/** The Redis of the test machine; GANTRY_TEST_REDIS_URL points elsewhere. */
export const REDIS_URL = process.env.GANTRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** host:port only: a URL may carry a password, which never goes to a log. */
export function redisWhere(url = REDIS_URL): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured URL';
  }
}

/** True when something at REDIS_URL answers PING (plain TCP, no client library needed). */
export function redisAvailable(url = REDIS_URL): Promise<boolean> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => {
      const auth = u.password ? `AUTH ${decodeURIComponent(u.username) || 'default'} ${decodeURIComponent(u.password)}\r\n` : '';
      socket.write(`${auth}PING\r\n`);
    });
    socket.on('data', (d) => {
      if (d.toString().includes('PONG')) done(true);
      else if (d.toString().startsWith('-')) done(false);
    });
  });
}

/** A key prefix no other test run uses (`gantry-test:<random>:`); delete `${prefix}*` afterwards. */
export function uniqueRedisPrefix(label = 't'): string {
  return `gantry-test:${label}:${randomBytes(6).toString('hex')}:`;
}

const required = process.env.CI === 'true';
const available = required || (await redisAvailable());
if (!available) console.warn(`Redis tests SKIPPED: nothing answers at ${redisWhere()} (they are required when CI=true).`);

/** `describe` when Redis is reachable or CI=true (then an unreachable server fails the tests), else `describe.skip`. */
export const describeRedis = available ? describe : describe.skip;
