/** A VM's disk as the pool reader returns it (VbdInfo), for tests of the pure backup parts. */
import type { VbdInfo, VdiInfo } from '../../src/xapi/records.js';

/** A plain read-write disk at `device` (xvda boots); `vdi` and `over` change what a test needs. */
export function diskVbd(device: string, vdi: Partial<VdiInfo> = {}, over: Partial<VbdInfo> = {}): VbdInfo {
  return {
    ref: `OpaqueRef:vbd-${device}`,
    uuid: `vbd-uuid-${device}`,
    device,
    userdevice: String('abcdefgh'.indexOf(device.slice(-1))),
    bootable: device === 'xvda',
    mode: 'RW',
    type: 'Disk',
    empty: false,
    unpluggable: false,
    otherConfig: { owner: '' },
    vdi: {
      ref: `OpaqueRef:vdi-${device}`,
      uuid: `vdi-uuid-${device}`,
      nameLabel: `disk ${device}`,
      nameDescription: 'Crée par vmbackup',
      virtualSize: 21474836480,
      type: 'system',
      sharable: false,
      readOnly: false,
      srRef: 'OpaqueRef:sr',
      srUuid: 'sr-uuid',
      isSnapshot: false,
      otherConfig: {},
      ...vdi,
    },
    ...over,
  };
}
