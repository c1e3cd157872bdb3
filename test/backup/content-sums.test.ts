/**
 * The XXH64 sums a backup records of each file: whole (as `xxhsum -H64` prints it) and per
 * segment, whatever the pieces the stream happened to arrive in; two at once keep apart, and
 * the shared hasher of the stream verifier (formats/checksums.ts) is not disturbed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ContentSums, parseSumsRecord, sumsRecord } from '../../src/backup/content-sums.js';
import { RunningDigest, xxh64Hex } from '../../src/formats/checksums.js';

const xxhsum = (data: Buffer) => spawnSync('xxhsum', ['-H64', '-'], { input: data }).stdout.toString().split(/\s+/)[0];

it('whole and per segment, equal to xxhsum of the same bytes, whatever the pieces', async () => {
  const data = randomBytes(10_000 + 37);
  const segment = 1024;
  for (const piece of [1, 333, 1024, 4096, data.length]) {
    const sums = await ContentSums.create(segment);
    for (let at = 0; at < data.length; at += piece) sums.update(data.subarray(at, at + piece));
    const r = sums.result();
    expect(r.bytes).toBe(data.length);
    expect(r.xxh64).toBe(xxhsum(data));
    expect(r.segments).toHaveLength(Math.ceil(data.length / segment));
    r.segments.forEach((s, i) => expect(s, `segment ${i}, pieces of ${piece}`).toBe(xxhsum(data.subarray(i * segment, (i + 1) * segment))));
  }
});

it('two sums and a verifier digest interleaved piece by piece each get their own result', async () => {
  const a = randomBytes(5000);
  const b = randomBytes(7000);
  const [sa, sb] = await Promise.all([ContentSums.create(2048), ContentSums.create(2048)]);
  const chunk = new RunningDigest(['xxhash']);
  for (let at = 0; at < 7000; at += 500) {
    if (at < 5000) sa.update(a.subarray(at, at + 500));
    sb.update(b.subarray(at, at + 500));
    chunk.update(b.subarray(at, at + 500));
  }
  expect(sa.result().xxh64).toBe(xxhsum(a));
  expect(sb.result().xxh64).toBe(xxhsum(b));
  expect(chunk.digests().xxhash).toBe(xxh64Hex(b));
});

it('the record round-trips; a malformed one is a reason, not an exception', async () => {
  const sums = await ContentSums.create();
  sums.update(Buffer.from('abc'));
  const record = sumsRecord({ 'web.xva': sums.result() });
  expect(parseSumsRecord(JSON.stringify(record))).toEqual(record);
  expect(parseSumsRecord('{')).toMatchObject({ problem: expect.stringMatching(/^not JSON/) });
  expect(parseSumsRecord(JSON.stringify({ ...record, version: 2 }))).toEqual({ problem: 'not a version 1 xxh64 sums record' });
  expect(parseSumsRecord(JSON.stringify({ ...record, files: { 'web.xva': { bytes: 3, xxh64: 'XYZ', segments: [] } } }))).toEqual({ problem: 'the entry for web.xva is malformed' });
});
