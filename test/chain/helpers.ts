/**
 * Delta chains on disk for the merge tests: a VM folder with a full point P and its delta C,
 * their records, markers and VHD files (formats/vhd-writer.ts), and the raw images each point
 * must restore to, checked with qemu-img and our own stream parser.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELTA_RECORD_FILE, formatDeltaRecord, type DeltaDisk, type DeltaRecord } from '../../src/chain/record.js';
import { parseVhd } from '../../src/formats/vhd-parser.js';
import { VHD_BLOCK_SIZE } from '../../src/formats/vhd-structs.js';
import { vhdStream } from '../../src/formats/vhd-writer.js';

export const MIB = 1024 * 1024;
export const P = 'backup-2024-05-01-(01-00-00)';
export const C = 'backup-2024-05-02-(01-00-00)';

/** Deterministic, non-zero data different per seed. */
export function pattern(seed: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  return buf;
}

export const uuidOf = (tag: number): string => `${tag.toString(16).padStart(8, '0')}-0000-4000-8000-${tag.toString(16).padStart(12, '0')}`;

export interface DiskSpec {
  key: string;
  /** Live VDI uuid. */
  vdi: string;
  size: number;
  /** Blocks of P (a full) and of C (a diff), each block's data seeded by its index and the point. */
  pBlocks: number[];
  cBlocks: number[];
  /** C's size when the disk grew between the points (default size). */
  cSize?: number;
}

export function blockData(seed: number, index: number, size: number): Buffer {
  return pattern(seed * 1000 + index + 1, Math.min(VHD_BLOCK_SIZE, size - index * VHD_BLOCK_SIZE));
}

/** A VHD file: a full (diskType 3) or a diff against `parentUuid`. */
export async function writeVhd(path: string, size: number, blocks: number[], seed: number, id: string, parentUuid?: string): Promise<void> {
  const parts: Buffer[] = [];
  for await (const part of vhdStream({
    size,
    uuid: id,
    block: (i) => (blocks.includes(i) ? blockData(seed, i, size) : null),
    allocated: (i) => blocks.includes(i),
    timestamp: new Date(seed === 1 ? '2024-05-01T01:00:00Z' : '2024-05-02T01:00:00Z'),
    ...(parentUuid === undefined ? {} : { diskType: 4 as const, parentUuid }),
  })) {
    parts.push(Buffer.from(part));
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** The raw image of a point: P's blocks, then (for C) C's blocks over them; newest wins. */
export function expectedRaw(disk: DiskSpec, point: 'P' | 'C'): Buffer {
  const size = point === 'C' ? (disk.cSize ?? disk.size) : disk.size;
  const raw = Buffer.alloc(size);
  for (const i of disk.pBlocks) blockData(1, i, disk.size).copy(raw, i * VHD_BLOCK_SIZE);
  if (point === 'C') for (const i of disk.cBlocks) blockData(2, i, size).copy(raw, i * VHD_BLOCK_SIZE);
  return raw;
}

export const snapUuid = (point: 'P' | 'C', diskIndex: number): string => uuidOf((point === 'P' ? 0x100 : 0x200) + diskIndex);

/** vmDir/P (all full) and vmDir/C (all diff against P), with records and success markers. */
export async function buildVmFolder(vmDir: string, disks: DiskSpec[]): Promise<void> {
  for (const point of ['P', 'C'] as const) {
    const folder = point === 'P' ? P : C;
    const dir = join(vmDir, folder);
    mkdirSync(dir, { recursive: true });
    const recDisks: DeltaDisk[] = [];
    for (const [n, d] of disks.entries()) {
      const file = `${folder}.${d.key}.vhd`;
      const size = point === 'C' ? (d.cSize ?? d.size) : d.size;
      if (point === 'P') await writeVhd(join(dir, file), size, d.pBlocks, 1, snapUuid('P', n));
      else await writeVhd(join(dir, file), size, d.cBlocks, 2, snapUuid('C', n), snapUuid('P', n));
      recDisks.push({
        key: d.key, userdevice: String(n), vdi: d.vdi, sr: uuidOf(0x900), snapshotVdi: snapUuid(point, n), file,
        kind: point === 'P' ? 'full' : 'diff', parentSnapshotVdi: point === 'P' ? null : snapUuid('P', n), virtualSize: size,
      });
    }
    const record: DeltaRecord = {
      format: 'vmbackup-delta', version: 1, vm: { uuid: uuidOf(0x777), name: 'web' }, snapshot: { uuid: uuidOf(point === 'P' ? 0x301 : 0x302) },
      parent: point === 'P' ? null : P, disks: recDisks,
    };
    writeFileSync(join(dir, DELTA_RECORD_FILE), formatDeltaRecord(record));
    writeFileSync(join(dir, 'vm.cfg'), 'name_label=web\n');
    writeFileSync(join(dir, 'success'), '');
  }
}

export function sh(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { maxBuffer: 64 * MIB });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** qemu's view of a VHD at its current size: `qemu-img info` must open it, `convert` gives its bytes. */
export function qemuRaw(file: string, out: string): Buffer {
  const opts = `driver=vpc,force_size_calc=current_size,file.filename=${file}`;
  const info = sh('qemu-img', ['info', '--output=json', '--image-opts', opts]);
  if (info.status !== 0) throw new Error(`qemu-img info ${file}: ${info.stderr}`);
  const conv = sh('qemu-img', ['convert', '--image-opts', opts, '-O', 'raw', out]);
  if (conv.status !== 0) throw new Error(`qemu-img convert ${file}: ${conv.stderr}`);
  return readFileSync(out);
}

/** Our stream verifier over the whole file (what `vmbackup verify` runs), bitmaps honoured. */
export async function parsedRaw(file: string): Promise<{ raw: Buffer; diskType: number; uuid: string }> {
  let raw = Buffer.alloc(0);
  let diskType = 0;
  let id = '';
  for await (const ev of parseVhd(createReadStream(file, { highWaterMark: 4 * MIB }))) {
    if (ev.type === 'start') {
      raw = Buffer.alloc(ev.footer.currentSize);
      diskType = ev.footer.diskType;
      id = ev.footer.uuid.toString('hex');
    } else if (ev.type === 'block') {
      for (let s = 0; s * 512 < ev.length; s++) {
        if (ev.bitmap[s >> 3]! & (0x80 >> (s & 7))) ev.data.copy(raw, ev.offset + s * 512, s * 512, s * 512 + 512);
      }
    }
  }
  return { raw, diskType, uuid: id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/u, '$1-$2-$3-$4-$5') };
}

/** sha256 of every file under `dir` (relative names), to see that nothing changed. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(dir, rel, name);
      if (statSync(path).isDirectory()) walk(join(rel, name));
      else out[join(rel, name)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk('');
  return out;
}

/** Two disks, both changed: in place, appended, a partial last block (xvda is not a multiple of 2 MiB). */
export const DISKS: DiskSpec[] = [
  { key: 'xvda', vdi: uuidOf(0xa), size: 13 * MIB + 3 * 512, pBlocks: [0, 1, 3, 6], cBlocks: [1, 2, 5, 6] },
  { key: 'xvdb', vdi: uuidOf(0xb), size: 8 * MIB, pBlocks: [2], cBlocks: [0, 2, 3] },
];
