/**
 * Random hex digits for trace ids (§5.1), cut from a pool of random bytes refilled 64 KiB at a time:
 * one `randomBytes` call per ~5,000 trace ids instead of one per request.
 */
import { randomBytes } from 'node:crypto';

const RANDOM_POOL_BYTES = 64 * 1024;
/** The pool as hex text: a trace id is a slice of it (no conversion per call). */
let pool = randomBytes(RANDOM_POOL_BYTES).toString('hex');
let offset = 0;

export function randomHex(n: number): string {
  if (offset + n > pool.length) {
    pool = randomBytes(Math.max(RANDOM_POOL_BYTES, Math.ceil(n / 2))).toString('hex');
    offset = 0;
  }
  const hex = pool.slice(offset, offset + n);
  // whole bytes are used up, as before: an odd `n` leaves the other half of its last byte unused
  offset += n + (n & 1);
  return hex;
}
