/**
 * chainDepth: the diff links from a point down to its fulls, the most over its disks, read from
 * the records alone. Not a delta point: null. A broken or looping chain still ends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainDepth } from '../../src/chain/depth.js';
import { DELTA_RECORD_FILE, type DeltaDisk, formatDeltaRecord } from '../../src/chain/record.js';
import { tempDir } from '../helpers/cli.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
let next = 1;

/** A disk of a point: a full, or a diff on the parent's snapshot of the same live VDI. */
function disk(key: string, kind: 'full' | 'diff'): DeltaDisk {
  return { key, userdevice: key === 'xvda' ? '0' : '1', vdi: `live-${key}`, sr: 'sr-1', snapshotVdi: uuid(next++), file: `vm.${key}.vhd`, kind, parentSnapshotVdi: kind === 'diff' ? uuid(999) : null, virtualSize: 2 ** 30 };
}

function point(vmDir: string, folder: string, parent: string | null, disks: DeltaDisk[]): void {
  mkdirSync(join(vmDir, folder), { recursive: true });
  writeFileSync(join(vmDir, folder, DELTA_RECORD_FILE), formatDeltaRecord({ format: 'vmbackup-delta', version: 1, vm: { uuid: 'vm-1', name: 'vm' }, snapshot: { uuid: uuid(next++) }, parent, disks }));
}

describe('chainDepth', () => {
  it('a full point is 0, each diff link on it adds one', async () => {
    const vm = tempDir();
    point(vm, 'p0', null, [disk('xvda', 'full')]);
    point(vm, 'p1', 'p0', [disk('xvda', 'diff')]);
    point(vm, 'p2', 'p1', [disk('xvda', 'diff')]);
    point(vm, 'p3', 'p2', [disk('xvda', 'diff')]);
    expect(await chainDepth(vm, 'p0')).toBe(0);
    expect(await chainDepth(vm, 'p1')).toBe(1);
    expect(await chainDepth(vm, 'p3')).toBe(3);
  });

  it('the most over the disks: a disk taken as a full mid-chain starts again at 0', async () => {
    const vm = tempDir();
    point(vm, 'p0', null, [disk('xvda', 'full'), disk('xvdb', 'full')]);
    point(vm, 'p1', 'p0', [disk('xvda', 'diff'), disk('xvdb', 'diff')]);
    point(vm, 'p2', 'p1', [disk('xvda', 'diff'), disk('xvdb', 'full')]); // xvdb moved SR: a full
    point(vm, 'p3', 'p2', [disk('xvda', 'diff'), disk('xvdb', 'diff')]);
    expect(await chainDepth(vm, 'p3')).toBe(3);
    expect(await chainDepth(vm, 'p2')).toBe(2);
  });

  it('null for a folder without a record (an XVA or VDI backup)', async () => {
    const vm = tempDir();
    mkdirSync(join(vm, 'xva'));
    writeFileSync(join(vm, 'xva', 'vm.xva'), '');
    expect(await chainDepth(vm, 'xva')).toBeNull();
  });

  it('a bad record in the point itself throws CHAIN_RECORD_INVALID', async () => {
    const vm = tempDir();
    mkdirSync(join(vm, 'bad'));
    writeFileSync(join(vm, 'bad', DELTA_RECORD_FILE), '{"format":"other"}');
    await expect(chainDepth(vm, 'bad')).rejects.toMatchObject({ code: 'CHAIN_RECORD_INVALID' });
  });

  it('a missing parent and a loop end the walk at the links read; a parent outside the VM folder is a bad record', async () => {
    const vm = tempDir();
    point(vm, 'p1', 'gone', [disk('xvda', 'diff')]);
    point(vm, 'p2', 'p1', [disk('xvda', 'diff')]);
    expect(await chainDepth(vm, 'p2')).toBe(2);
    point(vm, 'a', 'b', [disk('xvda', 'diff')]);
    point(vm, 'b', 'a', [disk('xvda', 'diff')]);
    expect(await chainDepth(vm, 'a')).toBe(2);
    point(vm, 'out', '../elsewhere', [disk('xvda', 'diff')]);
    await expect(chainDepth(vm, 'out')).rejects.toMatchObject({ code: 'CHAIN_RECORD_INVALID' });
  });
});
