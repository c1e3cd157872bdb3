/**
 * The second half of the VM record, from ha_always_run to the end; see vm.ts.
 */
import { EPOCH, NULL_REF, t, type FieldDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, blobMap, domainType, refs, stringMap, stringSet, updateGuidances,
  vmOperations,
} from './common.js';

export const VM_FIELDS_2: readonly FieldDef[] = [
  { name: 'ha_always_run', type: t.bool, default: false, methods: SET },
  { name: 'ha_restart_priority', type: t.string, default: '', methods: SET },
  { name: 'is_a_snapshot', type: t.bool, default: false },
  { name: 'snapshot_of', type: t.ref('VM'), default: NULL_REF },
  { name: 'snapshots', type: refs('VM'), default: [] },
  { name: 'snapshot_time', type: t.datetime, default: EPOCH },
  { name: 'transportable_snapshot_id', type: t.string, default: '' },
  { name: 'blobs', type: blobMap, default: {} },
  { name: 'tags', type: stringSet, default: [], methods: SET_RW },
  // Keyed by the operation, valued by the error code to report; the one map with enum keys here.
  {
    name: 'blocked_operations',
    type: t.map(vmOperations, t.string),
    default: {},
    methods: MAP_RW,
  },
  { name: 'snapshot_info', type: stringMap, default: {} },
  { name: 'snapshot_metadata', type: t.string, default: '' },
  { name: 'parent', type: t.ref('VM'), default: NULL_REF },
  { name: 'children', type: refs('VM'), default: [] },
  // set_bios_strings is an explicit message (allowed once, while the strings are still defaults).
  { name: 'bios_strings', type: stringMap, default: {}, methods: SET },
  { name: 'protection_policy', type: t.ref('VMPP'), default: NULL_REF, methods: SET },
  { name: 'is_snapshot_from_vmpp', type: t.bool, default: false },
  { name: 'snapshot_schedule', type: t.ref('VMSS'), default: NULL_REF, methods: SET },
  { name: 'is_vmss_snapshot', type: t.bool, default: false },
  { name: 'appliance', type: t.ref('VM_appliance'), default: NULL_REF, methods: SET },
  { name: 'start_delay', type: t.int, default: 0, methods: SET },
  { name: 'shutdown_delay', type: t.int, default: 0, methods: SET },
  { name: 'order', type: t.int, default: 0, methods: SET },
  { name: 'VGPUs', type: refs('VGPU'), default: [] },
  { name: 'attached_PCIs', type: refs('PCI'), default: [] },
  { name: 'suspend_SR', type: t.ref('SR'), default: NULL_REF, methods: SET },
  { name: 'version', type: t.int, default: 0 },
  { name: 'generation_id', type: t.string, default: '' },
  { name: 'hardware_platform_version', type: t.int, default: 0, methods: SET },
  { name: 'has_vendor_device', type: t.bool, default: false, methods: SET },
  { name: 'requires_reboot', type: t.bool, default: false },
  { name: 'reference_label', type: t.string, default: '' },
  { name: 'domain_type', type: domainType, default: 'hvm', methods: SET },
  // NVRAM is read-only in the datamodel but has explicit set_/add_to_/remove_from_ messages.
  { name: 'NVRAM', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'pending_guidances', type: t.set(updateGuidances), default: [] },
  { name: 'pending_guidances_recommended', type: t.set(updateGuidances), default: [] },
  { name: 'pending_guidances_full', type: t.set(updateGuidances), default: [] },
  // VM anti-affinity groups (xapi 24.19.1); set_groups is the only writer.
  { name: 'groups', type: refs('VM_group'), default: [], methods: SET },
];
