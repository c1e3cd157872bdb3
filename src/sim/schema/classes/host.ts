/**
 * host: the record of `host.get_record` on XenServer 8 / XCP-ng 8.3, in datamodel order. The list
 * follows the SDK generated for xapi 25.27 (the last fields are the SSH controls of 25.21/25.27);
 * fields introduced after that (secure_boot, NTP/timezone, max_cstate) are not served yet by the
 * releases we imitate. Fields from uuid to metrics live here, the rest in host-fields-2.ts.
 *
 * "name", "memory" and "API_version" are namespaces, hence the double underscore in the database.
 */
import { NULL_REF, t, type ClassDef, type FieldDef } from '../types.js';
import {
  MAP_RW, SET, currentOps, hostAllowedOperations, refs, stringMap, stringSet,
} from './common.js';
import { HOST_FIELDS_2 } from './host-fields-2.js';

const HOST_FIELDS_1: readonly FieldDef[] = [
  { name: 'uuid', type: t.string, default: '' },
  { name: 'name_label', db: 'name__label', type: t.string, default: '', methods: SET },
  { name: 'name_description', db: 'name__description', type: t.string, default: '', methods: SET },
  { name: 'memory_overhead', db: 'memory__overhead', type: t.int, default: 0 },
  { name: 'allowed_operations', type: t.set(hostAllowedOperations), default: [] },
  { name: 'current_operations', type: currentOps(hostAllowedOperations), default: {} },
  // XenServer 8 / XCP-ng 8.3 report API 2.21.
  { name: 'API_version_major', db: 'API_version__major', type: t.int, default: 2 },
  { name: 'API_version_minor', db: 'API_version__minor', type: t.int, default: 21 },
  { name: 'API_version_vendor', db: 'API_version__vendor', type: t.string, default: 'XenSource' },
  {
    name: 'API_version_vendor_implementation',
    db: 'API_version__vendor_implementation',
    type: stringMap,
    default: {},
  },
  { name: 'enabled', type: t.bool, default: true },
  { name: 'software_version', type: stringMap, default: {} },
  { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'capabilities', type: stringSet, default: [] },
  { name: 'cpu_configuration', type: stringMap, default: {} },
  { name: 'sched_policy', type: t.string, default: 'credit' },
  { name: 'supported_bootloaders', type: stringSet, default: [] },
  { name: 'resident_VMs', type: refs('VM'), default: [] },
  { name: 'logging', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'PIFs', type: refs('PIF'), default: [] },
  { name: 'suspend_image_sr', type: t.ref('SR'), default: NULL_REF, methods: SET },
  { name: 'crash_dump_sr', type: t.ref('SR'), default: NULL_REF, methods: SET },
  { name: 'crashdumps', type: refs('host_crashdump'), default: [] },
  { name: 'patches', type: refs('host_patch'), default: [] },
  { name: 'updates', type: refs('pool_update'), default: [] },
  { name: 'PBDs', type: refs('PBD'), default: [] },
  { name: 'host_CPUs', type: refs('host_cpu'), default: [] },
  { name: 'cpu_info', type: stringMap, default: {} },
  { name: 'hostname', type: t.string, default: '', methods: SET },
  { name: 'address', type: t.string, default: '', methods: SET },
  { name: 'metrics', type: t.ref('host_metrics'), default: NULL_REF },
];

export const host: ClassDef = {
  name: 'host',
  fields: [...HOST_FIELDS_1, ...HOST_FIELDS_2],
};
