/**
 * Version-4-shaped uuids drawn from a seed: the n-th uuid of a seed is always the same. A pool
 * built from the same fixture in the same order then has the same uuids at every start.
 */
import { createHash } from 'node:crypto';

export function seededUuids(seed: string): () => string {
  let n = 0;
  return () => {
    const b = createHash('sha256').update(`${seed}\0${n++}`).digest().subarray(0, 16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}
