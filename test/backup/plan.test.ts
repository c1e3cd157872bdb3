/**
 * The plan's pure parts: what a vdi-export takes and says about the disks it leaves out, the
 * estimate over every disk, and the run warnings of selectors that match no VM.
 */
import { describe, expect, it } from 'vitest';
import { estimateVdiBytes } from '../../src/backup/free-space.js';
import { planBackup } from '../../src/backup/plan.js';
import { runWarnings } from '../../src/backup/run.js';
import { leftOutMessage, vdiExportDisks } from '../../src/backup/vdi-disks.js';
import { effectiveSettings, parseConfig } from '../../src/config/index.js';
import type { VbdInfo, VmInfo } from '../../src/xapi/records.js';
import { diskVbd } from '../helpers/vbd.js';

const GiB = 2 ** 30;

function disk(device: string, size: number, over: Partial<VbdInfo> = {}): VbdInfo {
  return diskVbd(device, { virtualSize: size, type: 'user' }, over);
}

function vm(name: string, vbds: VbdInfo[]): VmInfo {
  return {
    ref: `OpaqueRef:${name}`,
    uuid: `uuid-${name}`,
    name,
    description: '',
    powerState: 'Running',
    isTemplate: false,
    isSnapshot: false,
    isControlDomain: false,
    snapshotOf: 'OpaqueRef:NULL',
    snapshotTime: null,
    otherConfig: {},
    memoryDynamicMax: GiB,
    vcpusMax: 1,
    vcpusAtStartup: 1,
    osVersion: '',
    vbds,
    vifs: [],
  };
}

const CD = disk('xvdd', 0, { type: 'CD', vdi: null, empty: true });
const FILESERVER = vm('fileserver', [disk('xvda', 6 * GiB), disk('xvdb', 12 * GiB), CD, disk('xvdc', 6 * GiB)]);
const DNS = vm('dns-2', [disk('xvda', 2 * GiB)]);

function plan(lines: string[]) {
  const model = parseConfig([...lines, ''].join('\n'), { file: 'p.cfg' }).model;
  return planBackup(model, effectiveSettings(model), [FILESERVER, DNS], 'p.cfg');
}

describe('vdi-export and the disks it leaves out', () => {
  it('names the left-out disks with their sizes, the boot disk first; CD drives are no disks', () => {
    expect(vdiExportDisks(FILESERVER, 'boot').take.map((d) => d.key)).toEqual(['xvda']);
    expect(vdiExportDisks(FILESERVER, 'boot').leftOut.map((d) => d.key)).toEqual(['xvdb', 'xvdc']);
    expect(vdiExportDisks(FILESERVER, 'all').take.map((d) => [d.key, d.boot])).toEqual([['xvda', true], ['xvdb', false], ['xvdc', false]]);
    expect(leftOutMessage('fileserver', FILESERVER)).toBe('vdi-export fileserver takes the boot disk xvda only; xvdb (12.0 GiB), xvdc (6.0 GiB) are not backed up');
    expect(leftOutMessage('dns-2', DNS)).toBeNull();
  });

  it('the plan warns per VM (cfg line, VM warning), unless the cfg chose vdi_disks=boot itself', () => {
    const p = plan(['vdi_export_format=raw', 'vdi-export=fileserver', 'vdi-export=dns-2']);
    expect(p.vms.map((v) => [v.name, v.estimate, v.warnings])).toEqual([
      ['fileserver', 6 * GiB, [expect.stringMatching(/^vdi-export fileserver takes the boot disk xvda only; xvdb \(12\.0 GiB\), xvdc \(6\.0 GiB\) are not backed up \(#vmbackup: vdi_disks=all takes every disk/)]],
      ['dns-2', 2 * GiB, undefined],
    ]);
    expect(p.issues).toEqual([expect.objectContaining({ severity: 'warning', line: 2, message: expect.stringContaining('xvdb (12.0 GiB), xvdc (6.0 GiB) are not backed up'), hint: expect.stringContaining('vdi_disks=all') })]);

    const chosen = plan(['#vmbackup: vdi_disks=boot', 'vdi-export=fileserver']);
    expect(chosen.vms[0]!.warnings).toBeUndefined();
    expect(chosen.issues).toEqual([]);
    // vm-export takes every disk anyway.
    expect(plan(['vm-export=fileserver']).issues).toEqual([]);
  });

  it('vdi_disks=all: no warning, and the estimate (free space, progress) covers every disk', () => {
    const p = plan(['#vmbackup: vdi_disks=all', 'vdi_export_format=vhd', 'vdi-export=fileserver']);
    expect(p.issues).toEqual([]);
    expect(p.vms[0]!.estimate).toBe(2 * estimateVdiBytes(6 * GiB, 'vhd') + estimateVdiBytes(12 * GiB, 'vhd'));
  });
});

describe('selectors that match no VM', () => {
  it('in a run, a vm-export or vdi-export line that matches nothing is a warning of the run (exact names and regexes); an exclude is not', () => {
    const p = plan(['vm-export=dns-1', 'vdi-export=web.*', 'exclude=old-vm', 'vm-export=dns-2']);
    expect(p.scope.unmatched.map((u) => [u.text, u.exact, u.line])).toEqual([
      ['vm-export=dns-1', true, 1],
      ['vdi-export=web.*', false, 2],
      ['exclude=old-vm', true, 3],
    ]);
    expect(runWarnings(p.scope, 'p.cfg')).toEqual([
      { code: 'NO_MATCH', message: 'p.cfg:1: vm-export=dns-1 matches no VM: no VM is backed up by this line', hint: expect.stringContaining('renamed VM') },
      { code: 'NO_MATCH', message: 'p.cfg:2: vdi-export=web.* matches no VM (a regex): no VM is backed up by this line', hint: expect.stringContaining('re.match') },
    ]);
  });
});
