/**
 * Delta chains written on disk by the test itself, as the engine lays them out (notes/delta-design):
 * per point a dated folder with one VHD per disk (a full dynamic VHD first, then differencing
 * ones with known blocks), vmbackup-delta.json, vmbackup-sums.json (backup/content-sums.ts),
 * vm.cfg, an optional ova.xml and the success marker. Each point's expected disk images are kept
 * (newest block wins), so a restore can be compared byte for byte.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentSums, sumsRecord, SUMS_FILE, type FileSums } from '../../src/backup/content-sums.js';
import { DELTA_RECORD_FILE, type DeltaDisk, formatDeltaRecord } from '../../src/chain/record.js';
import { vhdStream } from '../../src/formats/index.js';

export const BLOCK = 2 * 1024 * 1024;

export interface FixtureDisk {
  key: string;
  userdevice: string;
  /** Live VDI uuid. */
  vdi: string;
  size: number;
}

export interface FixturePoint {
  folder: string;
  path: string;
  disks: (DeltaDisk & { path: string })[];
  /** Per disk key: the disk as it was at this point. */
  images: Map<string, Buffer>;
}

/** A block whose every byte tells the point and the block apart. */
export function blockOf(point: number, index: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 4096) b.writeUInt32BE(((point + 1) << 16) | index, i);
  b.fill(point * 16 + index + 1, 8, 4096);
  return b;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function writeVhd(path: string, opts: Parameters<typeof vhdStream>[0]): Promise<FileSums> {
  const sums = await ContentSums.create();
  const parts: Buffer[] = [];
  for await (const piece of vhdStream(opts)) {
    sums.update(piece);
    parts.push(Buffer.from(piece));
  }
  writeFileSync(path, Buffer.concat(parts));
  return sums.result();
}

/**
 * Writes `changes.length` points into `vmDir`: changes[i][key] lists the blocks point i writes
 * (point 0 is the full). Folder i is dated 2026-12-(i+1).
 */
export async function writeDeltaChain(opts: {
  vmDir: string;
  vm: { uuid: string; name: string };
  disks: FixtureDisk[];
  changes: Record<string, number[]>[];
  ovaXml?: string;
}): Promise<FixturePoint[]> {
  const points: FixturePoint[] = [];
  const images = new Map(opts.disks.map((d) => [d.key, Buffer.alloc(d.size)]));
  const fileBase = opts.vmDir.split('/').pop()!;
  for (const [p, change] of opts.changes.entries()) {
    const folder = `backup-2026-12-${String(p + 1).padStart(2, '0')}-(10:00:00)`;
    const path = join(opts.vmDir, folder);
    mkdirSync(path, { recursive: true });
    const parent = points[p - 1];
    const disks: FixturePoint['disks'] = [];
    const files: Record<string, FileSums> = {};
    for (const d of opts.disks) {
      const blocks = new Set(change[d.key] ?? []);
      const image = images.get(d.key)!;
      for (const i of blocks) blockOf(p, i).copy(image, i * BLOCK, 0, Math.min(BLOCK, d.size - i * BLOCK));
      const snapshotVdi = randomUUID();
      const parentDisk = parent?.disks.find((x) => x.vdi === d.vdi);
      const file = `${fileBase}.${d.key}.vhd`;
      // A full holds every block written so far; a diff only this point's.
      const present = (i: number) => (parentDisk ? blocks.has(i) : image.subarray(i * BLOCK, (i + 1) * BLOCK).some((x) => x !== 0));
      files[file] = await writeVhd(join(path, file), {
        size: d.size,
        uuid: snapshotVdi,
        diskType: parentDisk ? 4 : 3,
        ...(parentDisk ? { parentUuid: parentDisk.snapshotVdi } : {}),
        allocated: present,
        block: (i) => {
          if (!present(i)) return null;
          const out = Buffer.alloc(BLOCK);
          image.copy(out, 0, i * BLOCK, Math.min((i + 1) * BLOCK, d.size));
          return out;
        },
      });
      disks.push({ key: d.key, userdevice: d.userdevice, vdi: d.vdi, sr: 'sr-uuid', snapshotVdi, file, kind: parentDisk ? 'diff' : 'full', parentSnapshotVdi: parentDisk?.snapshotVdi ?? null, virtualSize: d.size, path: join(path, file) });
    }
    const record = { format: 'vmbackup-delta' as const, version: 1 as const, vm: opts.vm, snapshot: { uuid: randomUUID() }, parent: parent?.folder ?? null, disks: disks.map(({ path: _p, ...rest }) => rest) };
    writeFileSync(join(path, DELTA_RECORD_FILE), formatDeltaRecord(record));
    writeFileSync(join(path, SUMS_FILE), JSON.stringify(sumsRecord(files)));
    writeFileSync(join(path, 'vm.cfg'), `name_label=${opts.vm.name}\nname_description=\nmemory_target=0\nvcpus_max=1\nvcpus_at_startup=1\nis_a_template=False\norig_uuid=${opts.vm.uuid}\n`);
    if (opts.ovaXml) writeFileSync(join(path, 'ova.xml'), opts.ovaXml);
    writeFileSync(join(path, 'success'), '');
    points.push({ folder, path, disks, images: new Map([...images].map(([k, v]) => [k, Buffer.from(v)])) });
  }
  return points;
}
