/**
 * Random hex digits for trace ids (§5.1), cut from a pool of random bytes refilled 64 KiB at a time:
 * one `randomBytes` call per ~5,000 trace ids instead of one per request.
 */
import { randomBytes } from 'node:crypto';

const RANDOM_POOL_BYTES = 64 * 1024;
let pool = randomBytes(RANDOM_POOL_BYTES);
let offset = 0;

export function randomHex(n: number): string {
  const bytes = Math.ceil(n / 2);
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(RANDOM_POOL_BYTES, bytes));
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex.length === n ? hex : hex.slice(0, n);
}
