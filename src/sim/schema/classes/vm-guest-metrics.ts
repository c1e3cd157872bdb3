/**
 * VM_guest_metrics: the record of `VM_guest_metrics.get_record`, in datamodel order, as reported
 * by the guest agent. memory and disks are deprecated and always empty, but still in every record.
 */
import { EPOCH, t, type ClassDef } from '../types.js';
import { MAP_RW, stringMap, tristateType } from './common.js';

export const VM_guest_metrics: ClassDef = {
  name: 'VM_guest_metrics',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'os_version', type: stringMap, default: {} },
    // xapi 24.28.
    { name: 'netbios_name', type: stringMap, default: {} },
    { name: 'PV_drivers_version', type: stringMap, default: {} },
    { name: 'PV_drivers_up_to_date', type: t.bool, default: false },
    { name: 'memory', type: stringMap, default: {} },
    { name: 'disks', type: stringMap, default: {} },
    { name: 'networks', type: stringMap, default: {} },
    { name: 'other', type: stringMap, default: {} },
    { name: 'last_updated', type: t.datetime, default: EPOCH },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'live', type: t.bool, default: false },
    { name: 'can_use_hotplug_vbd', type: tristateType, default: 'unspecified' },
    { name: 'can_use_hotplug_vif', type: tristateType, default: 'unspecified' },
    { name: 'PV_drivers_detected', type: t.bool, default: false },
    // xapi 25.15: services advertised by the guest agent, assumed string to string like the
    // other agent-reported maps (not confirmed against a generated SDK).
    { name: 'services', type: stringMap, default: {} },
  ],
};
