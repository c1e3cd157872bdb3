/**
 * VM: the record of `VM.get_record` on XenServer 8 / XCP-ng 8.3 (xapi 24.x–25.x), in datamodel
 * order. Fields from uuid to xenstore_data live here; the rest in vm-fields-2.ts because the class
 * is too long for one readable file.
 *
 * The "memory", "VCPUs", "actions", "PV" and "HVM" namespaces are stored with a double underscore
 * in the XML database (memory__static_max), so those fields carry `db`.
 *
 * Several fields are read-only in the datamodel yet have an explicit set_ message (memory_*, VCPUs_max,
 * actions_after_crash, HVM_boot_policy, NVRAM...); XAPI checks power state there, but the accessor
 * exists, so they are marked 'set' like the generated ones.
 */
import { NULL_REF, t, type ClassDef, type FieldDef } from '../types.js';
import {
  MAP_RW, SET, currentOps, onCrashBehaviour, onNormalExit, onSoftrebootBehavior, refs, stringMap,
  vmOperations, vmPowerState,
} from './common.js';
import { VM_FIELDS_2 } from './vm-fields-2.js';

const VM_FIELDS_1: readonly FieldDef[] = [
  { name: 'uuid', type: t.string, default: '' },
  { name: 'allowed_operations', type: t.set(vmOperations), default: [] },
  { name: 'current_operations', type: currentOps(vmOperations), default: {} },
  { name: 'name_label', db: 'name__label', type: t.string, default: '', methods: SET },
  { name: 'name_description', db: 'name__description', type: t.string, default: '', methods: SET },
  { name: 'power_state', type: vmPowerState, default: 'Halted' },
  { name: 'user_version', type: t.int, default: 1, methods: SET },
  { name: 'is_a_template', type: t.bool, default: false, methods: SET },
  // set_is_default_template exists but is hidden from the SDKs; only what the SDK exposes is listed.
  { name: 'is_default_template', type: t.bool, default: false },
  { name: 'suspend_VDI', type: t.ref('VDI'), default: NULL_REF, methods: SET },
  { name: 'resident_on', type: t.ref('host'), default: NULL_REF },
  { name: 'scheduled_to_be_resident_on', type: t.ref('host'), default: NULL_REF },
  { name: 'affinity', type: t.ref('host'), default: NULL_REF, methods: SET },
  { name: 'memory_overhead', db: 'memory__overhead', type: t.int, default: 0 },
  { name: 'memory_target', db: 'memory__target', type: t.int, default: 0 },
  { name: 'memory_static_max', db: 'memory__static_max', type: t.int, default: 0, methods: SET },
  { name: 'memory_dynamic_max', db: 'memory__dynamic_max', type: t.int, default: 0, methods: SET },
  { name: 'memory_dynamic_min', db: 'memory__dynamic_min', type: t.int, default: 0, methods: SET },
  { name: 'memory_static_min', db: 'memory__static_min', type: t.int, default: 0, methods: SET },
  { name: 'VCPUs_params', db: 'VCPUs__params', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'VCPUs_max', db: 'VCPUs__max', type: t.int, default: 1, methods: SET },
  { name: 'VCPUs_at_startup', db: 'VCPUs__at_startup', type: t.int, default: 1, methods: SET },
  {
    name: 'actions_after_softreboot',
    db: 'actions__after_softreboot',
    type: onSoftrebootBehavior,
    default: 'soft_reboot',
    methods: SET,
  },
  {
    name: 'actions_after_shutdown',
    db: 'actions__after_shutdown',
    type: onNormalExit,
    default: 'destroy',
    methods: SET,
  },
  {
    name: 'actions_after_reboot',
    db: 'actions__after_reboot',
    type: onNormalExit,
    default: 'restart',
    methods: SET,
  },
  {
    name: 'actions_after_crash',
    db: 'actions__after_crash',
    type: onCrashBehaviour,
    default: 'restart',
    methods: SET,
  },
  { name: 'consoles', type: refs('console'), default: [] },
  { name: 'VIFs', type: refs('VIF'), default: [] },
  { name: 'VBDs', type: refs('VBD'), default: [] },
  { name: 'VUSBs', type: refs('VUSB'), default: [] },
  { name: 'crash_dumps', type: refs('crashdump'), default: [] },
  { name: 'VTPMs', type: refs('VTPM'), default: [] },
  { name: 'PV_bootloader', db: 'PV__bootloader', type: t.string, default: '', methods: SET },
  { name: 'PV_kernel', db: 'PV__kernel', type: t.string, default: '', methods: SET },
  { name: 'PV_ramdisk', db: 'PV__ramdisk', type: t.string, default: '', methods: SET },
  { name: 'PV_args', db: 'PV__args', type: t.string, default: '', methods: SET },
  { name: 'PV_bootloader_args', db: 'PV__bootloader_args', type: t.string, default: '', methods: SET },
  { name: 'PV_legacy_args', db: 'PV__legacy_args', type: t.string, default: '', methods: SET },
  { name: 'HVM_boot_policy', db: 'HVM__boot_policy', type: t.string, default: 'BIOS order', methods: SET },
  { name: 'HVM_boot_params', db: 'HVM__boot_params', type: stringMap, default: {}, methods: MAP_RW },
  {
    name: 'HVM_shadow_multiplier',
    db: 'HVM__shadow_multiplier',
    type: t.float,
    default: 1,
    methods: SET,
  },
  { name: 'platform', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'PCI_bus', type: t.string, default: '', methods: SET },
  { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
  // -1 is XAPI's "no domain" for a halted VM.
  { name: 'domid', type: t.int, default: -1 },
  { name: 'domarch', type: t.string, default: '' },
  { name: 'last_boot_CPU_flags', type: stringMap, default: {} },
  { name: 'is_control_domain', type: t.bool, default: false },
  { name: 'metrics', type: t.ref('VM_metrics'), default: NULL_REF },
  { name: 'guest_metrics', type: t.ref('VM_guest_metrics'), default: NULL_REF },
  { name: 'last_booted_record', type: t.string, default: '' },
  { name: 'recommendations', type: t.string, default: '', methods: SET },
  { name: 'xenstore_data', type: stringMap, default: {}, methods: MAP_RW },
];

export const VM: ClassDef = {
  name: 'VM',
  fields: [...VM_FIELDS_1, ...VM_FIELDS_2],
};
