/**
 * The metadata files the old script wrote next to each backup (spec §6, its 3.1 format), which
 * restore notes and scripts read: vm.cfg, DISK-<device>/vbd.cfg and vdi.cfg, VIFs/vif-<n>.cfg.
 * One `key=value` per line in a fixed order, values as Python 2 printed them (True/False, dict
 * repr). Unlike 3.1, which crashed on them, non-ASCII names are written as UTF-8.
 */
import type { VbdInfo, VdiInfo, VifInfo, VmInfo } from '../xapi/records.js';

const py = (b: boolean) => (b ? 'True' : 'False');

/** Python 2 repr of a string: quotes chosen as Python does, u'' for non-ASCII text. */
export function pyRepr(s: string): string {
  const unicode = /[^\x00-\x7f]/.test(s);
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') body += '\\\\';
    else if (ch === quote) body += `\\${quote}`;
    else if (ch === '\n') body += '\\n';
    else if (ch === '\r') body += '\\r';
    else if (ch === '\t') body += '\\t';
    else if (cp < 0x20 || cp === 0x7f) body += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x80) body += ch;
    else if (cp < 0x100) body += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) body += `\\u${cp.toString(16).padStart(4, '0')}`;
    else body += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${unicode ? 'u' : ''}${quote}${body}${quote}`;
}

/** Python 2 repr of a str→str dict, in the record's order. */
export function pyDictRepr(map: Record<string, string>): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
    .join(', ')}}`;
}

/** One line per value: a newline inside a value would forge the next key. */
function lines(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}=${v.replace(/[\r\n]/g, ' ')}`).join('\n') + '\n';
}

export function vmCfg(vm: VmInfo): string {
  const pairs: [string, string][] = [
    ['name_label', vm.name],
    ['name_description', vm.description],
    ['memory_dynamic_max', String(vm.memoryDynamicMax)],
    ['VCPUs_max', String(vm.vcpusMax)],
    ['VCPUs_at_startup', String(vm.vcpusAtStartup)],
  ];
  const base = vm.otherConfig.base_template_name;
  if (base !== undefined) pairs.push(['base_template_name', base]);
  pairs.push(['os_version', vm.osVersion], ['orig_uuid', vm.uuid]);
  return lines(pairs);
}

export function vbdCfg(vbd: VbdInfo): string {
  return lines([
    ['userdevice', vbd.userdevice],
    ['bootable', py(vbd.bootable)],
    ['mode', vbd.mode],
    ['type', vbd.type],
    ['unpluggable', py(vbd.unpluggable)],
    ['empty', py(vbd.empty)],
    ['orig_uuid', vbd.uuid],
  ]);
}

export function vdiCfg(vdi: VdiInfo): string {
  return lines([
    ['name_label', vdi.nameLabel],
    ['name_description', vdi.nameDescription],
    ['virtual_size', String(vdi.virtualSize)],
    ['type', vdi.type],
    ['sharable', py(vdi.sharable)],
    ['read_only', py(vdi.readOnly)],
    ['orig_uuid', vdi.uuid],
    ['orig_sr_uuid', vdi.srUuid],
  ]);
}

export function vifCfg(vif: VifInfo): string {
  return lines([
    ['device', vif.device],
    ['network_name_label', vif.networkName],
    ['MTU', String(vif.mtu)],
    ['MAC', vif.mac],
    ['other_config', pyDictRepr(vif.otherConfig)],
    ['orig_uuid', vif.uuid],
  ]);
}

export interface MetadataFile {
  /** Relative to the backup folder. */
  path: string;
  content: string;
}

export interface DiskKey {
  vbd: VbdInfo;
  /** The <device> of its DISK-<device>/ folder (and of a vdi-export file of every disk). */
  key: string;
  /** Set when the VBD's device name could not be used. */
  warning?: string;
}

/**
 * The disks of a VM (VBDs of type Disk; CD drives skipped) with the name of their metadata
 * folder: the device name (`xvdb`, `hda`), or 1, 2... with a warning when a VBD has no usable
 * one, as in the original. Keys are unique: a device name already taken counts as unusable.
 */
export function diskKeys(vm: VmInfo): DiskKey[] {
  const taken = new Set<string>();
  let unnamed = 0;
  return vm.vbds
    .filter((v) => v.type === 'Disk')
    .map((vbd) => {
      if (/^[A-Za-z0-9_-]+$/.test(vbd.device) && !taken.has(vbd.device)) {
        taken.add(vbd.device);
        return { vbd, key: vbd.device };
      }
      do unnamed++;
      while (taken.has(String(unnamed)));
      taken.add(String(unnamed));
      return { vbd, key: String(unnamed), warning: `VBD ${vbd.uuid} has no usable device name (${JSON.stringify(vbd.device)}); its metadata is in DISK-${unnamed}` };
    });
}

/** Every metadata file of a VM: vm.cfg, DISK-<key>/ per disk (diskKeys), VIFs/. */
export function metadataFiles(vm: VmInfo): { files: MetadataFile[]; warnings: string[] } {
  const files: MetadataFile[] = [{ path: 'vm.cfg', content: vmCfg(vm) }];
  const warnings: string[] = [];
  for (const { vbd, key, warning } of diskKeys(vm)) {
    if (warning) warnings.push(warning);
    files.push({ path: `DISK-${key}/vbd.cfg`, content: vbdCfg(vbd) });
    if (vbd.vdi) files.push({ path: `DISK-${key}/vdi.cfg`, content: vdiCfg(vbd.vdi) });
  }
  for (const vif of vm.vifs) {
    const device = /^\d+$/.test(vif.device) ? vif.device : String(vm.vifs.indexOf(vif));
    files.push({ path: `VIFs/vif-${device}.cfg`, content: vifCfg(vif) });
  }
  return { files, warnings };
}
