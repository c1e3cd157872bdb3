/**
 * Which disks a vdi-export takes (`#vmbackup: vdi_disks=boot|all`), and what it says about the
 * others. Pure.
 *
 * - boot (the default, as VmBackup.py): the boot disk alone. VmBackup.py left the other disks
 *   out without a word; vmbackup names them in a warning of the VM, unless the cfg says
 *   `vdi_disks=boot` itself (then the boot disk alone is what the user chose).
 * - all: every disk, each to its own file in the same folder (`vdiFileName`: the boot
 *   disk keeps the legacy `<folder>.raw`, the others `<folder>.<device>.raw`), from one VM
 *   snapshot so that the disks are of one instant (exports.ts).
 */
import type { VdiDisks } from '../config/index.js';
import { VmbackupError } from '../errors.js';
import type { VbdInfo, VdiInfo, VmInfo } from '../xapi/records.js';
import { humanBytes } from './free-space.js';
import { NAME_MAX } from './layout.js';
import { diskKeys } from './metadata.js';

/** The boot disk: the xvda VBD, or else the bootable disk with userdevice 0 (HVM guests boot from hda; the old script only knew xvda). */
export function bootDisk(vm: VmInfo): VbdInfo | undefined {
  const disks = vm.vbds.filter((v) => v.type === 'Disk' && v.vdi);
  return disks.find((v) => v.device === 'xvda') ?? disks.find((v) => v.bootable && v.userdevice === '0') ?? disks.find((v) => v.userdevice === '0');
}

export interface VmDisk {
  vbd: VbdInfo;
  vdi: VdiInfo;
  /** Its DISK-<key>/ metadata folder; other disks' files are named with it. */
  key: string;
  boot: boolean;
}

/** The disks with content (a Disk VBD with a VDI), the boot disk first, then in the VM's order. */
export function vmDisks(vm: VmInfo): VmDisk[] {
  const boot = bootDisk(vm);
  const disks = diskKeys(vm)
    .filter(({ vbd }) => vbd.vdi !== null)
    .map(({ vbd, key }) => ({ vbd, vdi: vbd.vdi!, key, boot: vbd === boot }));
  return [...disks.filter((d) => d.boot), ...disks.filter((d) => !d.boot)];
}

/** What a vdi-export of `vm` takes with `which`, and what it leaves out. */
export function vdiExportDisks(vm: VmInfo, which: VdiDisks): { take: VmDisk[]; leftOut: VmDisk[] } {
  const disks = vmDisks(vm);
  if (which === 'all') return { take: disks, leftOut: [] };
  return { take: disks.filter((d) => d.boot), leftOut: disks.filter((d) => !d.boot) };
}

export const VDI_DISKS_HINT = '#vmbackup: vdi_disks=all takes every disk; vdi_disks=boot written out says the boot disk alone is meant';

/**
 * `vdi-export fileserver takes the boot disk xvda only; xvdb (12.0 GiB), xvdc (6.0 GiB) are not
 * backed up`, or null when nothing is left out.
 */
export function leftOutMessage(vmName: string, vm: VmInfo): string | null {
  const { take, leftOut } = vdiExportDisks(vm, 'boot');
  if (leftOut.length === 0) return null;
  const boot = take[0] ? `the boot disk ${take[0].key} only` : 'no disk (it has no boot disk)';
  const list = leftOut.map((d) => `${d.key} (${humanBytes(d.vdi.virtualSize)})`).join(', ');
  return `vdi-export ${vmName} takes ${boot}; ${list} ${leftOut.length === 1 ? 'is' : 'are'} not backed up`;
}

/**
 * The file of one disk of a vdi-export in the VM's folder `vmFolder`: the boot disk (`key`
 * null) keeps the legacy `<folder>.<raw|vhd>`, which a restore of any vdi-export folder looks
 * for; every other disk is `<folder>.<key>.<raw|vhd>`, `key` being the name of its DISK-<key>/
 * metadata folder (letters, digits, `_` and `-`: no dot, so the name reads back with
 * `vdiFileDisk`). Throws VM_NAME_TOO_LONG when the name exceeds NAME_MAX.
 */
export function vdiFileName(vmFolder: string, format: 'raw' | 'vhd', key: string | null): string {
  if (key !== null && !/^[A-Za-z0-9_-]+$/.test(key)) throw new VmbackupError('DISK_KEY_INVALID', `${JSON.stringify(key)} is not a disk device name.`, 'This is a bug in vmbackup; please report it.');
  const name = key === null ? `${vmFolder}.${format}` : `${vmFolder}.${key}.${format}`;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > NAME_MAX) {
    throw new VmbackupError(
      'VM_NAME_TOO_LONG',
      `The disk file ${JSON.stringify(name)} would be ${bytes} bytes long; at most ${NAME_MAX} fit.`,
      'Give the VM a shorter name (name-label) in XenServer/XCP-ng, or back it up with vdi_disks=boot or vm-export.',
    );
  }
  return name;
}

/** The disk a vdi-export file of `vmFolder` holds: key null for the boot disk; null when vdiFileName never makes that name. */
export function vdiFileDisk(vmFolder: string, fileName: string): { key: string | null; format: 'raw' | 'vhd' } | null {
  if (!fileName.startsWith(vmFolder + '.')) return null;
  const m = /^(?:([A-Za-z0-9_-]+)\.)?(raw|vhd)$/.exec(fileName.slice(vmFolder.length + 1));
  return m ? { key: m[1] ?? null, format: m[2] as 'raw' | 'vhd' } : null;
}
