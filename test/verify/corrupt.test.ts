/**
 * verify on real backups (made by the real executable against the simulator), each copy damaged
 * in one place, all in one backup_dir beside untouched copies: every damage is named exactly
 * (file, layer, member, offset), every untouched backup passes, and outside tools agree that the
 * untouched ones are whole. --jobs 2 gives the same verdicts.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMS_FILE, parseSumsRecord, type SumsRecord } from '../../src/backup/content-sums.js';
import { resolveVerifyTargets, verifyBackups, type BackupVerdict, type VerifyFinding } from '../../src/verify/index.js';
import { stopAll } from '../helpers/sim.js';
import { tempDirForFile, tempDirForTest } from '../helpers/temp.js';
import { type Kind, makeBackups, type MadeBackups, tarMembers, VM_FOLDER } from './made-backups.js';

let made: MadeBackups;
beforeAll(async () => {
  made = await makeBackups();
}, 180_000);
afterAll(stopAll);

/** Changes one byte of `path` at `offset` (XOR `mask`: by default every bit inverted); returns the byte it was. */
function flip(path: string, offset: number, mask = 0xff): number {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    const was = b[0]!;
    b[0] = was ^ mask;
    writeSync(fd, b, 0, 1, offset);
    return was;
  } finally {
    closeSync(fd);
  }
}

function sumsOf(folder: string): SumsRecord {
  const r = parseSumsRecord(readFileSync(join(folder, SUMS_FILE), 'utf8'));
  if ('problem' in r) throw new Error(r.problem);
  return r;
}

/** The VHD's BAT: [index, file offset] of each allocated block, and where the BAT is. */
function vhdBlocks(path: string): { batOffset: number; blocks: [number, number][] } {
  const buf = readFileSync(path);
  const batOffset = Number(buf.readBigUInt64BE(512 + 16));
  const entries = buf.readUInt32BE(512 + 28);
  const blocks: [number, number][] = [];
  for (let i = 0; i < entries; i++) {
    const e = buf.readUInt32BE(batOffset + i * 4);
    if (e !== 0xffffffff) blocks.push([i, e * 512]);
  }
  return { batOffset, blocks };
}

/** Rewrites the sums record of `file` with 1 MiB segments, so a change is placed within 1 MiB. */
function resegment(folder: string, file: string): void {
  const rec = sumsOf(folder);
  const data = readFileSync(join(folder, file));
  const segs: string[] = [];
  for (let at = 0; at < data.length; at += 1 << 20) segs.push(execFileSync('xxhsum', ['-H64', '-'], { input: data.subarray(at, at + (1 << 20)) }).toString().split(/\s/)[0]!);
  rec.segmentBytes = 1 << 20;
  for (const name of Object.keys(rec.files)) rec.files[name]!.segments = name === file ? segs : rec.files[name]!.segments;
  writeFileSync(join(folder, SUMS_FILE), JSON.stringify(rec));
}

type Expect = Partial<Pick<VerifyFinding, 'file' | 'layer' | 'member' | 'offset' | 'decompressed'>> & { reason?: RegExp };

interface Case {
  name: string;
  kind: Kind;
  /** The first finding's layer depends on where the decompressor notices (checked in the next test). */
  loose?: boolean;
  /** Damages the copy (its dated folder, its export file's path); returns what verify must say first, or null for an untouched copy. */
  damage(folder: string, file: string): Expect | Expect[] | null;
}

const CASES: Case[] = [
  ...(['xva', 'xva.gz', 'xva.zst', 'vhd', 'raw'] as const).map((kind) => ({ name: `untouched ${kind}`, kind, damage: () => null })),
  {
    name: 'a tar header',
    kind: 'xva',
    damage(_folder, file) {
      const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000001$/.test(m.name))!;
      flip(file, chunk.header + 10);
      return { layer: 'tar header', offset: chunk.header };
    },
  },
  {
    name: 'a chunk of an XVA',
    kind: 'xva',
    damage(_folder, file) {
      const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000002$/.test(m.name))!;
      flip(file, chunk.data + 1000);
      return { layer: 'chunk checksum', member: chunk.name, offset: chunk.header, reason: new RegExp(`^chunk ${chunk.name} at offset ${chunk.header} does not match its checksum member ${chunk.name}\\.xxhash`) };
    },
  },
  {
    name: 'a checksum member',
    kind: 'xva',
    damage(_folder, file) {
      const members = tarMembers(file);
      const sum = members.find((m) => /^Ref:\d+\/00000000\.xxhash$/.test(m.name))!;
      const chunk = members.find((m) => m.name === sum.name.replace(/\.xxhash$/, ''))!;
      flip(file, sum.data + 3);
      // The digest stored in it no longer matches its chunk: named by the chunk, the member it vouches for.
      return { layer: 'chunk checksum', member: chunk.name, offset: chunk.header, reason: new RegExp(`checksum member ${sum.name.replace('.', '\\.')} at offset ${sum.header}: stored`) };
    },
  },
  {
    name: 'a removed chunk member',
    kind: 'xva',
    damage(_folder, file) {
      const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000001$/.test(m.name))!;
      const size = statSync(file).size;
      execFileSync('tar', ['--delete', '-f', file, chunk.name]);
      // Its checksum member now stands where the chunk was, after the chunk before.
      return [
        { layer: 'checksum member', member: `${chunk.name}.xxhash`, offset: chunk.header, reason: /does not follow its data member/ },
        { layer: 'content checksum', offset: statSync(file).size, reason: new RegExp(`; ${size} were written$`) },
      ];
    },
  },
  {
    name: 'an XVA 1 byte short',
    kind: 'xva',
    damage(_folder, file) {
      const size = statSync(file).size;
      truncateSync(file, size - 1);
      return [{ layer: 'tar', offset: size - 1 }, { layer: 'content checksum', offset: size - 1, reason: new RegExp(`holds ${size - 1} bytes; ${size} were written`) }];
    },
  },
  {
    name: 'an XVA cut in half',
    kind: 'xva',
    damage(_folder, file) {
      const size = statSync(file).size;
      truncateSync(file, Math.floor(size / 2));
      return [{ layer: 'tar', offset: Math.floor(size / 2) }, { layer: 'content checksum', offset: Math.floor(size / 2) }];
    },
  },
  {
    name: 'no success marker',
    kind: 'xva',
    damage(folder) {
      rmSync(join(folder, 'success'));
      return { file: 'success', layer: 'file', reason: /^missing/ };
    },
  },
  {
    name: 'a gzip member body',
    kind: 'xva.gz',
    loose: true,
    damage(_folder, file) {
      const size = statSync(file).size;
      flip(file, Math.floor(size / 2));
      // Where deflate notices depends on the data: a bad code, the CRC at the end, or the
      // XVA parser seeing a bad chunk first. Each is named as such.
      return { layer: undefined };
    },
  },
  {
    name: 'a gzip trailer (CRC)',
    kind: 'xva.gz',
    damage(_folder, file) {
      const size = statSync(file).size;
      flip(file, size - 6);
      // zlib finds the CRC wrong once it has all the bytes: the offset is the file's end.
      return [{ layer: 'gzip CRC', member: null, offset: size }, { layer: 'content checksum', offset: 0 }];
    },
  },
  {
    name: 'a zstd frame',
    kind: 'xva.zst',
    loose: true,
    damage(_folder, file) {
      flip(file, Math.floor(statSync(file).size / 2));
      return { layer: undefined };
    },
  },
  {
    name: 'a zstd frame checksum',
    kind: 'xva.zst',
    damage(_folder, file) {
      // The last 4 bytes of a frame written with --check (zstd's default) are its content checksum.
      const size = statSync(file).size;
      flip(file, size - 2);
      return [{ layer: 'zstd frame', member: null }, { layer: 'content checksum', offset: 0 }];
    },
  },
  {
    name: 'a zstd file 1 byte short',
    kind: 'xva.zst',
    damage(_folder, file) {
      const size = statSync(file).size;
      truncateSync(file, size - 1);
      return [{ layer: 'zstd frame', offset: size - 1 }, { layer: 'content checksum', offset: size - 1 }];
    },
  },
  {
    name: 'a VHD footer',
    kind: 'vhd',
    damage(_folder, file) {
      flip(file, 40);
      return { layer: 'VHD footer', offset: 0, member: null };
    },
  },
  {
    name: 'a VHD header',
    kind: 'vhd',
    damage(_folder, file) {
      flip(file, 512 + 60);
      return { layer: 'VHD header', offset: 512, member: null };
    },
  },
  {
    name: 'a VHD BAT entry',
    kind: 'vhd',
    damage(_folder, file) {
      const { batOffset, blocks } = vhdBlocks(file);
      // The first block in the file sits right after the BAT: clearing the low byte of its entry
      // points it into the VHD's head (a sector number below 256).
      const [index, at] = blocks[0]!;
      const entry = batOffset + index * 4;
      flip(file, entry + 3, (at / 512) & 0xff);
      return { layer: 'VHD BAT', offset: entry, member: null, reason: new RegExp(`^VHD BAT entry ${index} \\(at offset ${entry}\\) points to offset 0, inside the footer, header or BAT$`) };
    },
  },
  {
    name: 'a VHD block (seen by the sums, named by its block)',
    kind: 'vhd',
    damage(folder, file) {
      resegment(folder, file.slice(folder.length + 1));
      const { blocks } = vhdBlocks(file);
      const [, at] = blocks[blocks.length - 1]!;
      // 1.5 MiB into its data: past the first 1 MiB segment, which also holds the VHD's head.
      const where = at + 512 + 1.5 * (1 << 20);
      flip(file, where);
      // The blocks (512-byte bitmap + 2 MiB of data) that share the changed 1 MiB segment, as the BAT places them.
      const start = Math.floor(where / (1 << 20)) * (1 << 20);
      const inSegment = blocks.filter(([, b]) => b < start + (1 << 20) && b + 512 + (2 << 20) > start).map(([i]) => i);
      const contiguous = inSegment.every((i, k) => k === 0 || i === inSegment[k - 1]! + 1);
      const list = inSegment.length === 1 ? `${inSegment[0]}` : contiguous ? `${inSegment[0]}-${inSegment[inSegment.length - 1]}` : inSegment.join(', ');
      const named = `VHD ${inSegment.length === 1 ? 'block' : 'blocks'} ${list}`;
      return { layer: 'content checksum', offset: start, member: null, reason: new RegExp(`^bytes ${start}-${start + (1 << 20) - 1} \\(${named}\\) differ from what was written`) };
    },
  },
  {
    name: 'raw data (seen by the sums)',
    kind: 'raw',
    damage(_folder, file) {
      flip(file, 5_000_000);
      return { layer: 'content checksum', offset: 0, reason: /^bytes 0-33554431 differ from what was written/ };
    },
  },
  {
    name: 'raw data with 1 MiB segments',
    kind: 'raw',
    damage(folder, file) {
      resegment(folder, file.slice(folder.length + 1));
      flip(file, 5_000_000);
      return { layer: 'content checksum', offset: 4 << 20, reason: new RegExp(`^bytes ${4 << 20}-${(5 << 20) - 1} differ`) };
    },
  },
  {
    name: 'a raw disk 1 byte short',
    kind: 'raw',
    damage(_folder, file) {
      const size = statSync(file).size;
      truncateSync(file, size - 1);
      return [{ layer: 'raw length', offset: size - 1 }, { layer: 'content checksum', offset: size - 1 }];
    },
  },
  {
    name: 'a missing vdi.cfg',
    kind: 'raw',
    damage(folder) {
      rmSync(join(folder, 'DISK-hda', 'vdi.cfg'));
      return { file: 'DISK-hda/vdi.cfg', layer: 'file', reason: /^missing: the virtual size of %win%2F2019\.raw is unknown/ };
    },
  },
  {
    name: 'a damaged sums record',
    kind: 'vhd',
    damage(folder) {
      writeFileSync(join(folder, SUMS_FILE), '{"version":1');
      return { file: SUMS_FILE, layer: 'file', reason: /^is damaged: not JSON/ };
    },
  },
];

describe('vmbackup verify on damaged copies beside untouched ones', () => {
  let backupDir: string;
  const placed = new Map<string, { c: Case; expect: Expect[] | null; file: string }>();

  beforeAll(() => {
    backupDir = tempDirForFile('verify-corrupt');
    CASES.forEach((c, i) => {
      const dated = `backup-2020-01-${String(i + 1).padStart(2, '0')}-(00:00:00)`;
      const folder = join(backupDir, VM_FOLDER[c.kind], dated);
      mkdirSync(join(backupDir, VM_FOLDER[c.kind]), { recursive: true });
      cpSync(made.folder[c.kind], folder, { recursive: true });
      const file = join(folder, made.file[c.kind]);
      const e = c.damage(folder, file);
      placed.set(`${VM_FOLDER[c.kind]}/${dated}`, { c, expect: e === null ? null : Array.isArray(e) ? e : [e], file: made.file[c.kind] });
    });
  });

  function check(verdicts: BackupVerdict[]): void {
    expect(verdicts.map((v) => v.folder).sort()).toEqual([...placed.keys()].sort());
    for (const v of verdicts) {
      const { c, expect: wanted, file } = placed.get(v.folder)!;
      if (wanted === null) {
        expect(v.findings, c.name).toEqual([]);
        expect(v.ok, c.name).toBe(true);
        continue;
      }
      expect(v.ok, c.name).toBe(false);
      if (c.loose) continue;
      expect(v.findings.length, `${c.name}: ${JSON.stringify(v.findings)}`).toBe(wanted.length);
      wanted.forEach((w, i) => {
        const f = v.findings[i]!;
        const { reason, ...fields } = w;
        expect(f, `${c.name}: ${JSON.stringify(f)}`).toMatchObject({ file, folder: v.folder, ...Object.fromEntries(Object.entries(fields).filter(([, x]) => x !== undefined)) });
        if (reason) expect(f.reason, c.name).toMatch(reason);
        expect(f.reason.length, c.name).toBeGreaterThan(0);
      });
    }
  }

  it('names each damage exactly and passes each untouched backup (jobs 1 and 2 agree)', { timeout: 120_000 }, async () => {
    const targets = await resolveVerifyTargets([], backupDir);
    const events: string[] = [];
    const one = await verifyBackups(targets, { jobs: 1, signal: new AbortController().signal, backupDir, record: false, onEvent: (e) => events.push(e.type) });
    check(one.verdicts);
    expect(one.checked).toBe(CASES.length);
    expect(one.ok).toBe(5);
    expect(events.filter((e) => e === 'backup-start')).toHaveLength(CASES.length);
    expect(events.filter((e) => e === 'backup-done')).toHaveLength(CASES.length);

    const two = await verifyBackups(targets, { jobs: 2, signal: new AbortController().signal, backupDir, record: false, onEvent: () => undefined });
    check(two.verdicts);
    const strip = (vs: BackupVerdict[]) => vs.map((v) => ({ folder: v.folder, ok: v.ok, findings: v.findings, bytes: v.bytes }));
    expect(strip(two.verdicts)).toEqual(strip(one.verdicts));
    expect(two.failed).toEqual(one.failed);
  });

  it('the categories where deflate or zstd decide themselves are named as gzip, zstd or XVA layers with an offset', async () => {
    const targets = await resolveVerifyTargets([], backupDir);
    const s = await verifyBackups(targets, { jobs: 2, signal: new AbortController().signal, backupDir, record: false, onEvent: () => undefined });
    for (const v of s.verdicts) {
      const { c } = placed.get(v.folder)!;
      if (c.name === 'a gzip member body') expect(['gzip CRC', 'gzip stream', 'gzip header', 'chunk checksum', 'tar header', 'tar member', 'checksum member', 'chunk order']).toContain(v.findings[0]!.layer);
      if (c.name === 'a zstd frame') expect(['zstd frame', 'chunk checksum', 'tar header', 'tar member', 'checksum member', 'chunk order']).toContain(v.findings[0]!.layer);
      if (c.name === 'a gzip member body' || c.name === 'a zstd frame') {
        expect(v.findings[0]!.offset).not.toBeNull();
        // The sums record sees the same byte changed.
        expect(v.findings.map((f) => f.layer)).not.toContain('file');
      }
    }
  });
});

describe('outside tools agree that the untouched backups are whole', () => {
  it.each(['xva', 'xva.gz', 'xva.zst', 'vhd', 'raw'] as const)('%s: xxhsum -H64 is the recorded sum; the format tool accepts the file', (kind) => {
    const file = join(made.folder[kind], made.file[kind]);
    const rec = sumsOf(made.folder[kind]);
    expect(execFileSync('xxhsum', ['-H64', file], { encoding: 'utf8' }).split(/\s/)[0]).toBe(rec.files[made.file[kind]]!.xxh64);
    expect(rec.files[made.file[kind]]!.bytes).toBe(statSync(file).size);
    if (kind === 'xva') expect(execFileSync('tar', ['tf', file], { encoding: 'utf8' })).toMatch(/^ova\.xml\n/);
    if (kind === 'xva.gz') execFileSync('gzip', ['-t', file]);
    if (kind === 'xva.zst') execFileSync('zstd', ['-q', '-t', file]);
    if (kind === 'vhd') {
      // qemu-img has no check for vpc: it converts the whole disk, which reads every block, and the bytes are the raw export's.
      const converted = join(tempDirForTest('verify-qemu'), 'converted.raw');
      execFileSync('qemu-img', ['convert', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${file}`, '-O', 'raw', converted]);
      expect(readFileSync(converted).equals(readFileSync(join(made.folder.raw, made.file.raw)))).toBe(true);
      expect(JSON.parse(execFileSync('qemu-img', ['info', '-f', 'vpc', '--output', 'json', file], { encoding: 'utf8' })).format).toBe('vpc');
      // XAPI's creator "caml" makes qemu size the disk by CHS unless told to use the footer's size (xapi-notes §4).
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output', 'json', '--image-opts', `driver=vpc,force_size_calc=current_size,file.filename=${file}`], { encoding: 'utf8' }));
      const cfg = readFileSync(join(made.folder[kind], 'DISK-hda', 'vdi.cfg'), 'utf8');
      expect(info['virtual-size']).toBe(Number(/^virtual_size=(\d+)$/m.exec(cfg)![1]));
    }
  });
});
