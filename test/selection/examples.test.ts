/**
 * The example configurations shipped with VmBackup.py and printed in its README, and the
 * selector examples of the spec (§3), give the scope those documents describe.
 */
import { describe, expect, it } from 'vitest';
import { effectiveSettings } from '../../src/config/index.js';
import { settingsBlock } from '../../src/report/legacy-console.js';
import { fixture, resolveSelector, resolveText, vms } from '../helpers/scope.js';

describe('example.cfg of VmBackup.py', () => {
  const pool = vms('PROD-WinDomainController', 'DEV-DestructiveTest', 'my-vm-name', 'my-second-vm', 'my-third-vm', 'PROD-web', 'PROD-db', 'DEV-app', 'DEVi-box', 'other');

  it('3.25: excludes win, vdi-export takes my-vm-name, PROD.* and DEV.*:2 expand', () => {
    const { parsed, summary } = resolveText(fixture('reference/example-3.25.cfg'), pool);
    expect(parsed.errors).toEqual([]);
    expect(summary).toEqual({
      vdiExport: ['my-vm-name'],
      vmExport: ['my-second-vm', 'my-third-vm:3', 'PROD-web', 'PROD-db', 'DEV-app:2', 'DEVi-box:2'],
      exclude: ['PROD-WinDomainController', 'DEV-DestructiveTest'],
    });
    expect(effectiveSettings(parsed.model)).toMatchObject({ poolDbBackup: 0, maxBackups: 3, backupDir: '/path/to/backupspace', vdiExportFormat: 'raw' });
  });

  it('3.1: its typo DEVi.*:2 selects only names starting with DEVi', () => {
    const { parsed, summary } = resolveText(fixture('reference/example-3.1.cfg'), pool);
    expect(parsed.errors).toEqual([]);
    expect(summary.vmExport).toEqual(['my-second-vm', 'my-third-vm:3', 'PROD-web', 'PROD-db', 'DEVi-box:2']);
  });
});

describe('cfg examples of the VmBackup.py README', () => {
  it('the Usage-config-file example (a trailing space after a name is stripped)', () => {
    const pool = vms('PROD-WinDomainController', 'DEV-DestructiveTest', 'TEMP-a', 'my-vm-name', 'my-second-vm', 'my-third-vm', 'PROD-x', 'DEV-y', 'TEMP-b');
    const { parsed, summary } = resolveText(fixture('readme/usage-config.cfg'), pool);
    expect(parsed.errors).toEqual([]);
    expect(summary).toEqual({
      vdiExport: ['my-vm-name'],
      vmExport: ['my-second-vm', 'my-third-vm:3', 'PROD-x', 'DEV-y:2'],
      exclude: ['PROD-WinDomainController', 'DEV-DestructiveTest', 'TEMP-a', 'TEMP-b'],
    });
    expect(effectiveSettings(parsed.model).statusLog).toBe('/path/to/backupspace/logs/status.log');
  });

  // The README prints this scope for the fixed weekend.cfg (its list order is from v3.0).
  const weekendPool = vms('PROD-ubuntu14', 'PROD-ubuntu12-benchmark', 'PROD-CentOS7-large-user-disks', 'DEV-RH6', 'DEV-RH7', 'PROD-WinSvr');
  const documented = {
    vdiExport: ['PROD-CentOS7-large-user-disks'],
    vmExport: ['DEV-RH6:3', 'DEV-RH7:3', 'PROD-WinSvr', 'PROD-ubuntu14'],
    exclude: ['PROD-ubuntu12-benchmark'],
  };

  it.each(['weekend-fixed.cfg', 'weekend-errors.cfg'])('weekend example %s gives the documented scope', (file) => {
    // With 3.1+ regexes the "errors" version selects the same VMs: "." matches the "-".
    const { parsed, summary } = resolveText(fixture(`readme/${file}`), weekendPool);
    expect(parsed.errors).toEqual([]);
    expect({ ...summary, vmExport: [...summary.vmExport].sort() }).toEqual(documented);
  });

  it('the weekend example prints the README settings block (lists sorted byte-wise, as 3.2+)', () => {
    const { parsed, scope } = resolveText(fixture('readme/weekend-fixed.cfg'), weekendPool);
    expect(settingsBlock(effectiveSettings(parsed.model), scope)).toEqual([
      'VmBackup.py running with these settings:',
      '  backup_dir        = /snapshots/BACKUPS',
      '  status_log        = /snapshots/NAUbackup/status.log',
      '  compress          = False',
      '  max_backups       = 4',
      '  vdi_export_format = raw',
      '  pool_db_backup    = 0',
      '  exclude (cnt)= 1',
      '  exclude: PROD-ubuntu12-benchmark',
      '  vdi-export (cnt)= 1',
      '  vdi-export: PROD-CentOS7-large-user-disks',
      '  vm-export (cnt)= 4',
      '  vm-export: DEV-RH6:3, DEV-RH7:3, PROD-WinSvr, PROD-ubuntu14',
    ]);
  });

  it('the regex examples: each selects what its comment says, and the last :N wins', () => {
    const pool = vms(
      'DEV-phishing-test', 'PRD-PRINTER1', 'PRD-PRINT', 'PRD-PRINTER', 'PRD-a', 'PRD-abc', 'DEV-VxTEMP', 'DEV-V1TEMP2',
      'DEV-web3', 'DEV-app-TEST-1', 'DEV-app-Test', 'DEV-app-prod', 'db-SAVE', 'db-SAVE-old',
      'PRD-x-print4', 'PRD-x-print5', 'PRD-x-print6', 'PRD-x-print9', 'PRD-x-print7', 'PRD-x-print42',
    );
    const { parsed, scope, summary } = resolveText(fixture('readme/regex-examples.cfg'), pool);
    expect(parsed.errors).toEqual([]);
    expect(summary).toEqual({
      exclude: ['DEV-phishing-test', 'PRD-PRINTER1', 'PRD-PRINT', 'PRD-a', 'PRD-abc', 'DEV-VxTEMP'],
      vdiExport: ['DEV-web3:7', 'DEV-app-TEST-1', 'DEV-app-Test'],
      // print[\d{1,}]$ is a one-character class: print42 is not selected, whatever the comment hopes.
      vmExport: ['db-SAVE:5', 'PRD-x-print4:8', 'PRD-x-print5:8', 'PRD-x-print6:8', 'PRD-x-print7:8', 'PRD-x-print9:8'],
    });
    // Overriding an explicit :N is worth a warning that names both lines.
    expect(scope.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/PRD-x-print4, replacing :5 from line 31/));
  });
});

describe('command-line selectors of the README (Usage-examples)', () => {
  const pool = vms('DEV-mySql', 'DEV mySql', 'DEV-myApp', 'PROD-x');
  it.each([
    ['DEV-mySql', { vmExport: ['DEV-mySql'], vdiExport: [] }],
    ['vdi-export=DEV-mySql', { vmExport: [], vdiExport: ['DEV-mySql'] }],
    ['DEV mySql', { vmExport: ['DEV mySql'], vdiExport: [] }],
    ['DEV-my.*', { vmExport: ['DEV-mySql', 'DEV-myApp'], vdiExport: [] }],
    ['.*', { vmExport: ['DEV-mySql', 'DEV mySql', 'DEV-myApp', 'PROD-x'], vdiExport: [] }],
    ['vm-export=DEV-my.*:2', { vmExport: ['DEV-mySql:2', 'DEV-myApp:2'], vdiExport: [] }],
  ])('%j', (selector, expected) => {
    const { parsed, summary } = resolveSelector(selector, pool);
    expect(parsed.errors).toEqual([]);
    expect({ vmExport: summary.vmExport, vdiExport: summary.vdiExport }).toEqual(expected);
  });

  it('an action other than vm-export/vdi-export is refused', () => {
    expect(resolveSelector('backup=DEV-mySql', pool).parsed.errors[0]?.message).toMatch(/must be vm-export or vdi-export/);
  });
});
