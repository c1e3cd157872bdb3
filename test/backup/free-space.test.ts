import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkRoom, estimateVdiBytes, estimateXvaBytes, freeBytes, humanBytes } from '../../src/backup/free-space.js';
import { tempDirForFile } from '../helpers/temp.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('freeBytes', () => {
  const dir = tempDirForFile('free');
  it('agrees with df (within what other processes write meanwhile)', async () => {
    const ours = await freeBytes(dir);
    const out = execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' });
    const df = Number(out.trim().split('\n').at(-1));
    expect(Number.isFinite(df)).toBe(true);
    expect(ours).toBeGreaterThan(0);
    expect(Math.abs(ours - df)).toBeLessThanOrEqual(Math.max(64 * MiB, df * 0.01));
  });

  it('fails for a missing folder', async () => {
    await expect(freeBytes(`${dir}/missing`)).rejects.toThrow(/ENOENT/);
  });
});

describe('estimates', () => {
  it('XVA: 1 MiB + ceil(vs / 1 MiB) × (1 MiB + 1536) per disk', () => {
    expect(estimateXvaBytes([])).toBe(MiB);
    expect(estimateXvaBytes([10 * GiB])).toBe(MiB + 10240 * (MiB + 1536));
    expect(estimateXvaBytes([1, MiB, MiB + 1])).toBe(MiB + (1 + 1 + 2) * (MiB + 1536));
  });

  it('raw VDI: the virtual size; VHD: blocks with bitmaps, header, BAT and footers', () => {
    expect(estimateVdiBytes(10 * GiB, 'raw')).toBe(10 * GiB);
    // 5120 blocks of 2 MiB + 512-byte bitmap; footer + header + BAT (5120 × 4 bytes) + footer.
    const vhd = estimateVdiBytes(10 * GiB, 'vhd');
    expect(vhd).toBeGreaterThanOrEqual(512 + 1024 + 5120 * 4 + 5120 * (2 * MiB + 512) + 512);
    expect(vhd).toBeLessThan(10 * GiB + 5120 * 512 + 64 * 1024);
    expect(estimateVdiBytes(MiB, 'vhd')).toBe(512 + 1024 + 512 + (2 * MiB + 512) + 512);
  });
});

describe('checkRoom', () => {
  it('is null when the export fits, NO_SPACE with both figures otherwise', () => {
    expect(checkRoom(10 * GiB, 10 * GiB, 'x')).toBeNull();
    const err = checkRoom(3 * GiB + 200 * MiB, 12 * GiB, 'the export of VM "web 01"');
    expect(err?.code).toBe('NO_SPACE');
    expect(err?.message).toBe(
      `Not enough space for the export of VM "web 01": it may need up to 12.0 GiB (${12 * GiB} bytes), ` +
        `but only 3.2 GiB (${3 * GiB + 200 * MiB} bytes) are free in the backup directory.`,
    );
    expect(err?.hint).toMatch(/max_backups/);
    expect(err?.hint).toMatch(/pre_clean/);
  });

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [150 * MiB, '150 MiB'],
    [5.5 * 1024 * GiB, '5.5 TiB'],
  ])('humanBytes(%d) = %s', (n, text) => {
    expect(humanBytes(n)).toBe(text);
  });
});
