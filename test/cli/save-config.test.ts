/**
 * `preview --save-config`: a cfg that selects VMs VmBackup.py cannot back up is still written
 * (it is right for vmbackup), and those VMs are named on stderr with the reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, vmbackup } from '../helpers/cli.js';

function setup(names: string[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'all.cfg'), `backup_dir=${dir}\nvm-export=.*\n`);
  writeFileSync(join(dir, 'names.txt'), names.join('\n') + '\n');
  return dir;
}

it('names the VMs of the written cfg that VmBackup.py cannot back up, and why', () => {
  const dir = setup(['web-01', 'WinSvr:2019', 'a,b', ' lead']);
  const r = vmbackup(['preview', '--config', 'all.cfg', '--vm-names', 'names.txt', '--save-config', 'out.cfg'], dir);
  expect(r.status).toBe(0);
  expect(readFileSync(join(dir, 'out.cfg'), 'utf8')).toContain('vm-export=WinSvr\\x3a2019$\n');
  expect(r.stderr).toContain('vmbackup: warning: out.cfg: VmBackup.py cannot back up 3 VMs this cfg selects (vmbackup can):\n');
  expect(r.stderr).toContain('  "WinSvr:2019": it splits names at ":" and looks for VM "WinSvr" with max_backups "2019"\n');
  expect(r.stderr).toContain('  "a,b": its VM list (xe vm-list --minimal) splits names at ",": it sees "a" and "b"\n');
  expect(r.stderr).toContain('  " lead": it strips the spaces at the ends of names: it sees "lead"\n');
  expect(r.stderr).not.toContain('"web-01"');
  expect(r.stderr).toMatch(/wrote out\.cfg \(4 VMs, one line each\)/);
});

it('says nothing more when every name is fine', () => {
  const dir = setup(['web-01', 'db.example.com']);
  const r = vmbackup(['preview', '--config', 'all.cfg', '--vm-names', 'names.txt', '--save-config', 'out.cfg'], dir);
  expect(r.status).toBe(0);
  expect(r.stderr).not.toContain('VmBackup.py cannot');
});
