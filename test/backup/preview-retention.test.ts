import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import { backupFolderName } from '../../src/backup/layout.js';
import { retentionAfterNextRun } from '../../src/backup/preview.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Successful backups of `vm`, each with the vm.cfg of the VM `owner` (null: none). */
function backupDirWith(vm: string, folders: string[], owner: string | null = 'u'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vmbackup-test-'));
  dirs.push(dir);
  for (const f of folders) {
    mkdirSync(join(dir, vm, f), { recursive: true });
    writeFileSync(join(dir, vm, f, 'success'), '');
    if (owner !== null) writeFileSync(join(dir, vm, f, 'vm.cfg'), `name_label=${vm}\norig_uuid=${owner}\n`);
  }
  return dir;
}

const settings = effectiveSettings(parseConfig('backup_dir=/x\n', { file: 'p.cfg' }).model, {});
const vm = { name: 'db', uuid: 'u', mode: 'vm-export' as const, maxBackups: 1, estimate: 1 };

describe('the preview of retention', () => {
  it('deletes the one good backup after the next success, with keep 1', async () => {
    const now = new Date(2026, 10, 26, 14, 36, 25);
    const old = backupFolderName(new Date(2026, 10, 25, 1, 0, 0), 'legacy');
    expect(await retentionAfterNextRun(backupDirWith('db', [old]), vm, now, settings)).toEqual([`db/${old}`]);
  });

  it('does not mistake a backup made in this very second for the next one', async () => {
    const now = new Date(2026, 10, 26, 14, 36, 25);
    const same = backupFolderName(now, 'legacy');
    expect(await retentionAfterNextRun(backupDirWith('db', [same]), vm, now, settings)).toEqual([`db/${same}`]);
  });

  it("never counts another VM's backups (same name, another pool), nor those that do not say whose they are", async () => {
    const now = new Date(2026, 10, 26, 14, 36, 25);
    const old = backupFolderName(new Date(2026, 10, 25, 1, 0, 0), 'legacy');
    expect(await retentionAfterNextRun(backupDirWith('db', [old], 'another-uuid'), vm, now, settings)).toEqual([]);
    expect(await retentionAfterNextRun(backupDirWith('db', [old], null), vm, now, settings)).toEqual([]);
  });
});
