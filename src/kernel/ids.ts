import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Random ids: prefix + base36 of fresh random bytes. Random bytes are drawn in a pool to keep the
 * per-call cost at a copy, which matters because every request makes a few.
 */
export function createIdGenerator(poolSize = 4096): (prefix: string, length?: number) => string {
  let pool = randomBytes(poolSize);
  let offset = 0;
  return (prefix, length = 20) => {
    if (offset + length > pool.length) {
      pool = randomBytes(poolSize);
      offset = 0;
    }
    let out = prefix;
    for (let i = 0; i < length; i++) out += ALPHABET[pool[offset + i]! % 36];
    offset += length;
    return out;
  };
}
