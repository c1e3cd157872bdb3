/**
 * The fast path (verify/fast-path.ts): a file whose length and segments match vmbackup-sums.json
 * is OK by its sums, and says so; --deep runs the structural pass anyway, which a sums record
 * rewritten over a damaged chunk cannot fool; what the stream could not know (a VHD's size
 * against vdi.cfg, a raw disk's length) is still checked. Then through the real executable (the
 * compiled worker file, so reading runs on threads): --jobs 2 and --deep give the verdicts of
 * --jobs 1, and Ctrl-C in the middle of a parallel read ends every thread: the process exits by
 * itself, at once, with no exit-guard complaint.
 */
import { closeSync, cpSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createXXHash64 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentSums, SEGMENT_BYTES, SUMS_FILE, sumsRecord } from '../../src/backup/content-sums.js';
import { VERIFY_FILE } from '../../src/catalog/parse.js';
import { verifyBackupFolder } from '../../src/verify/index.js';
import { startVmbackup, vmbackupAsync } from '../helpers/cli.js';
import { stopAll } from '../helpers/sim.js';
import { tempDirForTest } from '../helpers/temp.js';
import { type Kind, makeBackups, type MadeBackups, tarMembers, VM_FOLDER } from './made-backups.js';

let made: MadeBackups;
beforeAll(async () => {
  made = await makeBackups(['xva', 'vhd', 'raw']);
}, 180_000);
afterAll(stopAll);

const signal = () => new AbortController().signal;
const DATED = 'backup-2024-03-01-(00:00:00)';

/** A copy of the `kind` backup in a backup_dir of this test; returns its dated folder and export file. */
function copy(kind: Kind, dir = tempDirForTest('verify-fast'), dated = DATED): { backupDir: string; folder: string; file: string } {
  const backupDir = join(dir, 'backups');
  const folder = join(backupDir, VM_FOLDER[kind], dated);
  mkdirSync(join(backupDir, VM_FOLDER[kind]), { recursive: true });
  cpSync(made.folder[kind], folder, { recursive: true });
  return { backupDir, folder, file: join(folder, made.file[kind]) };
}

function flip(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

/** vmbackup-sums.json written anew from the file as it is now (a bug, or someone covering a change). */
async function regenerateSums(folder: string, name: string): Promise<void> {
  const sums = await ContentSums.create();
  sums.update(readFileSync(join(folder, name)));
  writeFileSync(join(folder, SUMS_FILE), JSON.stringify(sumsRecord({ [name]: sums.result() })));
}

const segmentsOf = (path: string) => Math.ceil(readFileSync(path).length / SEGMENT_BYTES);

describe('the fast path', () => {
  it.each(['xva', 'vhd', 'raw'] as const)('an untouched %s is OK by its sums, and its basis says so; --deep reads it through its verifier', async (kind) => {
    const { folder, file } = copy(kind);
    const v = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(v.findings).toEqual([]);
    expect(v.ok).toBe(true);
    const n = segmentsOf(file);
    const sums = `XXH64 sums, ${n} segment${n === 1 ? '' : 's'}`;
    expect(v.basis).toEqual([kind === 'raw' ? `identical to the bytes written (${sums}; a raw disk has no checksum of its own)` : `identical to the bytes verified while they streamed (${sums})`]);
    expect(v.bytes).toBe(readFileSync(file).length);
    // The OK line's notes stay as they were.
    expect(v.notes).toEqual([]);

    const deep = await verifyBackupFolder(folder, { signal: signal(), record: false, deep: true });
    expect(deep.ok).toBe(true);
    expect(deep.basis).toEqual(["read through its format's verifier and compared with its XXH64 sums"]);
  });

  it('a damaged chunk under a sums record rewritten to match: OK by its sums, FAILED with --deep, named by its chunk', async () => {
    const { folder, file } = copy('xva');
    const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000002$/.test(m.name))!;
    flip(file, chunk.data + 1000);
    await regenerateSums(folder, made.file.xva);

    const fast = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(fast.ok).toBe(true);
    expect(fast.basis![0]).toMatch(/^identical to the bytes verified while they streamed/);

    const deep = await verifyBackupFolder(folder, { signal: signal(), record: false, deep: true });
    expect(deep.ok).toBe(false);
    expect(deep.findings).toHaveLength(1);
    expect(deep.findings[0]).toMatchObject({ file: made.file.xva, layer: 'chunk checksum', member: chunk.name, offset: chunk.header });
  });

  it('a segment that differs sends the file through the structural pass, which names the layer', async () => {
    const { folder, file } = copy('xva');
    const chunk = tarMembers(file).find((m) => /^Ref:\d+\/00000002$/.test(m.name))!;
    flip(file, chunk.data + 1000);
    const v = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(v.ok).toBe(false);
    expect(v.findings[0]).toMatchObject({ layer: 'chunk checksum', member: chunk.name, offset: chunk.header });
    expect(v.basis).toEqual(["read through its format's verifier and compared with its XXH64 sums"]);
  });

  it('what the stream could not know is still checked on the fast path: a VHD whose vdi.cfg says another size', async () => {
    const { folder } = copy('vhd');
    const cfg = join(folder, 'DISK-hda', 'vdi.cfg');
    const text = readFileSync(cfg, 'utf8');
    const size = Number(/^virtual_size=(\d+)$/m.exec(text)![1]);
    writeFileSync(cfg, text.replace(/^virtual_size=\d+$/m, `virtual_size=${size * 2}`));
    const v = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(v.findings).toEqual([expect.objectContaining({ file: made.file.vhd, layer: 'VHD footer', offset: 0, reason: `the disk size in the footer is ${size} bytes; vdi.cfg says ${size * 2}` })]);
    expect(v.basis![0]).toMatch(/^identical to the bytes verified/);
  });

  it('a raw disk whose vdi.cfg says another length: the structural pass names the raw length', async () => {
    const { folder } = copy('raw');
    const cfg = join(folder, 'DISK-hda', 'vdi.cfg');
    const text = readFileSync(cfg, 'utf8');
    const size = Number(/^virtual_size=(\d+)$/m.exec(text)![1]);
    writeFileSync(cfg, text.replace(/^virtual_size=\d+$/m, `virtual_size=${size + 512}`));
    const v = await verifyBackupFolder(folder, { signal: signal(), record: false });
    expect(v.ok).toBe(false);
    expect(v.findings[0]).toMatchObject({ file: made.file.raw, layer: 'raw length' });
  });
});

describe('vmbackup verify on threads (the compiled worker)', () => {
  it('--jobs 2 and --deep give the verdicts of --jobs 1; --deep alone sees the chunk under rewritten sums', { timeout: 90_000 }, async () => {
    const dir = tempDirForTest('verify-fast-cli');
    const good = copy('xva', dir);
    copy('vhd', dir);
    // vhd and raw are backups of the same VM: another date.
    copy('raw', dir, 'backup-2024-02-01-(00:00:00)');
    // A second xva backup: its chunk damaged and its sums rewritten to match.
    const covered = join(good.backupDir, VM_FOLDER.xva, 'backup-2024-04-01-(00:00:00)');
    cpSync(made.folder.xva, covered, { recursive: true });
    const chunk = tarMembers(join(covered, made.file.xva)).find((m) => /^Ref:\d+\/00000001$/.test(m.name))!;
    flip(join(covered, made.file.xva), chunk.data + 10);
    await regenerateSums(covered, made.file.xva);

    const run = async (extra: string[]) => {
      const r = await vmbackupAsync(['verify', '--backup-dir', good.backupDir, '--json', ...extra], dir);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      return { status: r.status, failed: out.failed, backups: out.backups.map((b: { folder: string; ok: boolean; bytes: number }) => [b.folder, b.ok, b.bytes]) };
    };
    const one = await run(['--jobs', '1']);
    expect(one.status).toBe(0);
    expect(one.backups).toHaveLength(4);
    expect(await run(['--jobs', '2'])).toEqual(one);

    const deep = await run(['--deep']);
    expect(deep.status).toBe(2);
    expect(deep.failed).toEqual([expect.objectContaining({ folder: `${VM_FOLDER.xva}/backup-2024-04-01-(00:00:00)`, layer: 'chunk checksum', member: chunk.name, offset: chunk.header })]);
    expect(await run(['--deep', '--jobs', '2'])).toEqual(deep);
  });

  it('Ctrl-C in the middle of a parallel read: every reader thread ends, the process exits by itself, no record', { timeout: 30_000 }, async () => {
    const dir = tempDirForTest('verify-fast-cancel');
    // A 1 TiB sparse raw disk with its sums (every 64 MiB segment zeros): the fast path reads it
    // with several readers. Readers that ignored the stop would go on through 1 TiB of holes
    // (minutes here), past this test's timeout; no clock is read.
    const size = 2 ** 40;
    const folder = join(dir, 'backups', 'big', DATED);
    mkdirSync(join(folder, 'DISK-xvda'), { recursive: true });
    writeFileSync(join(folder, 'vm.cfg'), 'name_label=big\n');
    writeFileSync(join(folder, 'DISK-xvda', 'vdi.cfg'), `virtual_size=${size}\n`);
    writeFileSync(join(folder, 'big.raw'), '');
    truncateSync(join(folder, 'big.raw'), size);
    const zeros = (await createXXHash64()).init().update(new Uint8Array(SEGMENT_BYTES)).digest('hex');
    // The whole file's sum is not read by verify; any well-formed value serves.
    writeFileSync(join(folder, SUMS_FILE), JSON.stringify(sumsRecord({ 'big.raw': { bytes: size, xxh64: zeros, segments: new Array(size / SEGMENT_BYTES).fill(zeros) } })));
    writeFileSync(join(folder, 'success'), '');

    // A small backup first: its OK line says the reads are under way; the big one is read next.
    const small = copy('raw', dir);
    const child = startVmbackup(['verify', small.folder, folder], dir);
    await child.waitFor(/^OK /m);
    child.child.kill('SIGINT');
    const r = await child.done;
    expect(r.status).toBe(130);
    expect(r.stdout).toMatch(/^checked 1 backup: 1 ok, 0 failed; .*; interrupted: the others were not checked$/m);
    // The exit guard would say 'bug: still running' after 5 s if a thread (or anything) held on.
    expect(r.stderr).not.toMatch(/bug: still running/);
    expect(readdirSync(folder)).not.toContain(VERIFY_FILE);
  });
});
