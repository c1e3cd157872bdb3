/** The pure parts of a restore: names, SR choice, confirmations, room, devices, files → disks, ova.xml, the pool choice of the CLI. */
import { describe, expect, it } from 'vitest';
import { restoreTarget } from '../../src/cli/commands/restore.js';
import { diskOfFile, parseKeyValues } from '../../src/restore/backup-files.js';
import { vmRefOfResult } from '../../src/restore/cleanup.js';
import { createdByImport } from '../../src/restore/networks.js';
import { parseXmlRpc } from '../../src/formats/ova-xml.js';
import { summariseOva } from '../../src/restore/ova-xml.js';
import { checkRoom, confirmationsFor, restoredName, willCreateLines } from '../../src/restore/plan.js';
import { findVm } from '../../src/restore/plan-build.js';
import type { VmBrief } from '../../src/restore/pool-view.js';
import { chooseSr, targetSrs } from '../../src/restore/target-sr.js';
import { nextFreeDevice } from '../../src/restore/vdi-import.js';

const sr = (name: string, extra: Partial<Parameters<typeof targetSrs>[0][number]> = {}) => ({
  ref: `OpaqueRef:${name}`,
  uuid: `uuid-${name}`,
  name,
  type: 'ext',
  contentType: 'user',
  physicalSize: 100,
  physicalUtilisation: 40,
  allowedOperations: [],
  ...extra,
});

describe('restoredName', () => {
  it('is <name> (restored <local date>), or (restored) without a date', () => {
    expect(restoredName('web 01', new Date(2026, 11, 7, 14, 45, 18))).toBe('web 01 (restored 2026-12-07 14:45:18)');
    expect(restoredName('web 01', null)).toBe('web 01 (restored)');
  });
});

describe('target SRs', () => {
  const srs = [sr('b'), sr('iso', { contentType: 'iso', type: 'iso' }), sr('dvd', { type: 'udev' }), sr('a'), sr('default'), sr('ro', { allowedOperations: ['scan'] }), sr('empty', { physicalSize: 0 })];
  it('leaves out ISO, udev, read-only and sizeless SRs; the default first, then by name; free = size − utilisation', () => {
    const list = targetSrs(srs, 'OpaqueRef:default');
    expect(list.map((s) => s.name)).toEqual(['default', 'a', 'b']);
    expect(list[0]!.freeBytes).toBe(60);
  });
  it('--sr by uuid or unique name, else the default; unknown or ambiguous names are refused with a fix', () => {
    const list = targetSrs([...srs, sr('twin', { ref: 'OpaqueRef:t1', uuid: 'u1' }), sr('twin', { ref: 'OpaqueRef:t2', uuid: 'u2' })], 'OpaqueRef:default');
    expect(chooseSr(list, undefined, 'OpaqueRef:default').name).toBe('default');
    expect(chooseSr(list, 'uuid-a', 'OpaqueRef:default').name).toBe('a');
    expect(chooseSr(list, 'b', 'OpaqueRef:default').uuid).toBe('uuid-b');
    expect(() => chooseSr(list, 'twin', '')).toThrow(expect.objectContaining({ code: 'SR_AMBIGUOUS', hint: expect.stringContaining('u1, u2') }));
    expect(() => chooseSr(list, 'iso', '')).toThrow(expect.objectContaining({ code: 'SR_NOT_FOUND' }));
    expect(() => chooseSr(list, undefined, 'OpaqueRef:iso')).toThrow(expect.objectContaining({ code: 'NO_DEFAULT_SR' }));
  });
});

describe('confirmations and room', () => {
  it('asks for an unfinished backup and for a VM --preserve replaces; nothing otherwise', () => {
    expect(confirmationsFor({ unfinished: false, folder: null, replaces: null })).toEqual([]);
    const both = confirmationsFor({ unfinished: true, folder: '/b/vm/backup-x', replaces: { ref: 'r', uuid: 'u', name: 'vm' } });
    expect(both.map((c) => c.code)).toEqual(['UNFINISHED_BACKUP', 'REPLACE_HALTED_VM']);
    expect(both[0]!.message).toMatch(/backup-x has no success marker/);
  });
  it('SR_FULL when the disks need more than the SR has free, said before anything is sent', () => {
    const s = targetSrs([sr('a')], '')[0]!;
    expect(() => checkRoom({ sr: s, neededBytes: 60 })).not.toThrow();
    expect(() => checkRoom({ sr: s, neededBytes: 61 })).toThrow(expect.objectContaining({ code: 'SR_FULL', message: expect.stringContaining('nothing was sent') }));
  });
  it('willCreate says what comes: a VM (new or preserved identity, start), or disks (attached or not)', () => {
    const s = targetSrs([sr('a')], '')[0]!;
    const vm = willCreateLines({ kind: 'vm', files: [{ path: '/b/x.xva', format: 'xva', bytes: 10 }], sr: s, name: 'x (restored)', preserve: false, start: true, attachTo: null, replaces: null, neededBytes: 4 });
    expect(vm.join('\n')).toMatch(/a VM named x \(restored\) on SR a \(uuid-a\)[\s\S]*new uuid and new MAC addresses[\s\S]*starts it/);
    const disk = willCreateLines({ kind: 'vdi', files: [{ path: '/b/x.raw', format: 'raw', bytes: 4, vdi: { name: 'd', description: '', virtualSize: 4 } }], sr: s, name: 'd', preserve: false, start: false, attachTo: { ref: 'r', uuid: 'u', name: 'vm' }, replaces: null, neededBytes: 4 });
    expect(disk).toEqual([expect.stringMatching(/^a disk named d \(4 B\) on SR a/), 'attached to the VM vm (u) as its next free device']);
  });
});

describe('small decisions', () => {
  it('the next free device is the lowest number the VM offers', () => {
    expect(nextFreeDevice(['3', '1', '10', '2'])).toBe('1');
    expect(nextFreeDevice([])).toBeNull();
  });
  it('a VM by uuid or unique name', () => {
    const vms = [{ uuid: 'u1', name: 'a' }, { uuid: 'u2', name: 'b' }, { uuid: 'u3', name: 'b' }].map((v) => ({ ...v, ref: v.uuid, powerState: 'Halted', isTemplate: false, isSnapshot: false, isControlDomain: false, vbds: [] }) satisfies VmBrief);
    expect(findVm(vms, 'a').uuid).toBe('u1');
    expect(findVm(vms, 'u3').uuid).toBe('u3');
    expect(() => findVm(vms, 'b')).toThrow(expect.objectContaining({ code: 'VM_AMBIGUOUS' }));
    expect(() => findVm(vms, 'c')).toThrow(expect.objectContaining({ code: 'VM_NOT_FOUND' }));
  });
  it('the new VM in an /import result, as xen-api parses it or as XML-RPC text', () => {
    expect(vmRefOfResult(['OpaqueRef:abc-1'])).toBe('OpaqueRef:abc-1');
    expect(vmRefOfResult('<value><array><data><value>OpaqueRef:abc-2</value></data></array></value>')).toBe('OpaqueRef:abc-2');
    expect(vmRefOfResult(undefined)).toBeNull();
  });
  it('a network counts as created when the import task tagged it or it was not there before', () => {
    expect(createdByImport({ uuid: 'n1', otherConfig: {} }, new Set(['n1']), 'OpaqueRef:t')).toBe(false);
    expect(createdByImport({ uuid: 'n2', otherConfig: {} }, new Set(['n1']), 'OpaqueRef:t')).toBe(true);
    expect(createdByImport({ uuid: 'n1', otherConfig: { import_task: 'OpaqueRef:t' } }, new Set(['n1']), 'OpaqueRef:t')).toBe(true);
  });
  it('the pool of a restore: --pool; else the one known pool; none: localhost; several: --pool required', () => {
    const known = [{ url: 'https://xen1', user: 'admin' }];
    expect(restoreTarget({ pool: 'https://xen2:8443/' }, known)).toEqual({ url: 'https://xen2:8443', user: 'root' });
    expect(restoreTarget({}, known)).toEqual({ url: 'https://xen1', user: 'admin' });
    expect(restoreTarget({}, [])).toEqual({ url: 'https://localhost', user: 'root' });
    expect(() => restoreTarget({}, [...known, { url: 'https://xen3', user: 'root' }])).toThrow(expect.objectContaining({ code: 'USAGE', hint: 'name it with --pool URL' }));
  });
});

describe('backup files', () => {
  const disk = (key: string, vbd: Record<string, string> = {}) => ({ key, vdi: { virtual_size: '1' }, vbd });
  it('key=value metadata, values kept whole', () => {
    expect(parseKeyValues('name_label=a=b\norig_uuid=u\r\nbad line\n')).toEqual({ name_label: 'a=b', orig_uuid: 'u' });
  });
  it('a vdi-export file belongs to DISK-<key>: named, or the boot disk for the legacy name', () => {
    const disks = [disk('xvdb', { userdevice: '1' }), disk('xvda', { userdevice: '0', bootable: 'True' })];
    expect(diskOfFile('/b/web.com/backup-x/web.com.xvdb.raw', 'web.com', 'raw', disks)?.key).toBe('xvdb');
    expect(diskOfFile('/b/web.com/backup-x/web.com.raw', 'web.com', 'raw', disks)?.key).toBe('xvda');
    expect(diskOfFile('/b/h/backup-x/h.vhd', 'h', 'vhd', [disk('hda', { userdevice: '0', bootable: 'True' }), disk('hdb', { userdevice: '1' })])?.key).toBe('hda');
    expect(diskOfFile('/b/x/backup-x/other.raw', 'x', 'raw', disks)).toBeUndefined();
  });
});

describe('ova.xml', () => {
  const member = (name: string, value: string) => `<member><name>${name}</name>${value}</member>`;
  const struct = (...members: string[]) => `<value><struct>${members.join('')}</struct></value>`;
  const obj = (cls: string, id: string, snapshot: string) => struct(member('class', `<value>${cls}</value>`), member('id', `<value>${id}</value>`), member('snapshot', snapshot));
  const xml = struct(
    member('version', struct(member('export_vsn', '<value>2</value>'))),
    member(
      'objects',
      `<value><array><data>${[
        obj('VM', 'Ref:1', struct(member('uuid', '<value>vm-uuid</value>'), member('name_label', '<value>RESTORE_web &amp; co</value>'), member('power_state', '<value>Halted</value>'), member('VBDs', '<value><array><data><value>Ref:2</value></data></array></value>'))),
        obj('VDI', 'Ref:3', struct(member('name_label', '<value><string>disk 0</string></value>'), member('virtual_size', '<value>6291456</value>'))),
        obj('VDI', 'Ref:4', struct(member('name_label', '<value/>'), member('virtual_size', '<value>2097152</value>'))),
        obj('network', 'Ref:5', struct(member('name_label', '<value>LAN</value>'))),
      ].join('')}</data></array></value>`,
    ),
  );
  it('decodes XML-RPC structs, arrays and scalars', () => {
    expect(parseXmlRpc(struct(member('a', '<value><array><data><value>1</value><value><i4>2</i4></value></data></array></value>'), member('b', '<value/>')))).toEqual({ a: ['1', '2'], b: '' });
  });
  it('gives the VM, its disks\' virtual sizes and the networks', () => {
    expect(summariseOva(xml)).toEqual({
      vm: { uuid: 'vm-uuid', name: 'RESTORE_web & co', powerState: 'Halted' },
      disks: [
        { name: 'disk 0', virtualSize: 6291456 },
        { name: '', virtualSize: 2097152 },
      ],
      networks: ['LAN'],
    });
  });
});
