/** The metadata files in VmBackup 3.1's exact formats (nau-spec §6), which restore notes read. */
import { describe, expect, it } from 'vitest';
import { metadataFiles, pyRepr } from '../../src/backup/metadata.js';
import type { VbdInfo, VmInfo } from '../../src/xapi/records.js';
import { diskVbd } from '../helpers/vbd.js';

const vbd = (device: string, over: Partial<VbdInfo> = {}): VbdInfo => diskVbd(device, {}, over);

const VM: VmInfo = {
  ref: 'OpaqueRef:vm',
  uuid: 'vm-uuid',
  name: 'web 01',
  description: 'front\nend',
  powerState: 'Running',
  isTemplate: false,
  isSnapshot: false,
  isControlDomain: false,
  snapshotOf: 'OpaqueRef:NULL',
  snapshotTime: null,
  otherConfig: { base_template_name: 'Debian Bookworm 12' },
  memoryDynamicMax: 2147483648,
  vcpusMax: 4,
  vcpusAtStartup: 2,
  osVersion: 'Debian GNU/Linux 12 (bookworm)',
  vbds: [vbd('xvda'), vbd('xvdb'), vbd('xvdd', { type: 'CD', vdi: null, empty: true }), vbd('', { uuid: 'vbd-nameless' })],
  vifs: [{ ref: 'OpaqueRef:vif', uuid: 'vif-uuid', device: '0', mtu: 1500, mac: '02:00:00:aa:bb:cc', otherConfig: { 'ethtool-gso': 'off' }, networkName: 'Pool-wide network associated with eth0' }],
};

describe('metadata files', () => {
  const { files, warnings } = metadataFiles(VM);
  const file = (path: string) => files.find((f) => f.path === path)?.content;

  it('writes vm.cfg, one DISK folder per disk (no CD), one vif file per VIF', () => {
    expect(files.map((f) => f.path)).toEqual(['vm.cfg', 'DISK-xvda/vbd.cfg', 'DISK-xvda/vdi.cfg', 'DISK-xvdb/vbd.cfg', 'DISK-xvdb/vdi.cfg', 'DISK-1/vbd.cfg', 'DISK-1/vdi.cfg', 'VIFs/vif-0.cfg']);
  });

  it('vm.cfg: the 3.1 keys in order, base_template_name only when known; a newline cannot forge a key', () => {
    expect(file('vm.cfg')).toBe(
      [
        'name_label=web 01',
        'name_description=front end',
        'memory_dynamic_max=2147483648',
        'VCPUs_max=4',
        'VCPUs_at_startup=2',
        'base_template_name=Debian Bookworm 12',
        'os_version=Debian GNU/Linux 12 (bookworm)',
        'orig_uuid=vm-uuid',
        '',
      ].join('\n'),
    );
    expect(metadataFiles({ ...VM, otherConfig: {} }).files[0]!.content).not.toContain('base_template_name');
  });

  it('vbd.cfg and vdi.cfg: Python booleans, sizes in bytes, UTF-8 names', () => {
    expect(file('DISK-xvda/vbd.cfg')).toBe('userdevice=0\nbootable=True\nmode=RW\ntype=Disk\nunpluggable=False\nempty=False\norig_uuid=vbd-uuid-xvda\n');
    expect(file('DISK-xvdb/vdi.cfg')).toBe(
      'name_label=disk xvdb\nname_description=Crée par vmbackup\nvirtual_size=21474836480\ntype=system\nsharable=False\nread_only=False\norig_uuid=vdi-uuid-xvdb\norig_sr_uuid=sr-uuid\n',
    );
  });

  it('a disk without a device name goes to DISK-1, with a warning', () => {
    expect(file('DISK-1/vbd.cfg')).toMatch(/^orig_uuid=vbd-nameless$/m);
    expect(warnings).toEqual(['VBD vbd-nameless has no usable device name (""); its metadata is in DISK-1']);
  });

  it('vif-N.cfg: other_config as a Python dict repr', () => {
    expect(file('VIFs/vif-0.cfg')).toBe(
      "device=0\nnetwork_name_label=Pool-wide network associated with eth0\nMTU=1500\nMAC=02:00:00:aa:bb:cc\nother_config={'ethtool-gso': 'off'}\norig_uuid=vif-uuid\n",
    );
  });
});

describe('pyRepr (Python 2 repr of str and unicode)', () => {
  it.each([
    ['off', "'off'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['tab\there', "'tab\\there'"],
    ['café', "u'caf\\xe9'"],
    ['日本', "u'\\u65e5\\u672c'"],
    ['😀', "u'\\U0001f600'"],
    ['back\\slash', "'back\\\\slash'"],
  ])('%j → %s', (value, repr) => {
    expect(pyRepr(value)).toBe(repr);
  });
});
