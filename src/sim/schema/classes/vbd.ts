/**
 * VBD: the record of `VBD.get_record`, in datamodel order. "qos" is a namespace, hence
 * qos__algorithm_type in the database. mode has an explicit set_mode (the VM must be halted).
 */
import { NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, currentOps, stringMap, stringSet, vbdMode, vbdOperations, vbdType,
} from './common.js';

export const VBD: ClassDef = {
  name: 'VBD',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'allowed_operations', type: t.set(vbdOperations), default: [] },
    { name: 'current_operations', type: currentOps(vbdOperations), default: {} },
    { name: 'VM', type: t.ref('VM'), default: NULL_REF },
    { name: 'VDI', type: t.ref('VDI'), default: NULL_REF },
    { name: 'device', type: t.string, default: '' },
    { name: 'userdevice', type: t.string, default: '', methods: SET },
    { name: 'bootable', type: t.bool, default: false, methods: SET },
    { name: 'mode', type: vbdMode, default: 'RW', methods: SET },
    { name: 'type', type: vbdType, default: 'Disk', methods: SET },
    { name: 'unpluggable', type: t.bool, default: true, methods: SET },
    { name: 'storage_lock', type: t.bool, default: false },
    { name: 'empty', type: t.bool, default: false },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'currently_attached', type: t.bool, default: false },
    { name: 'status_code', type: t.int, default: 0 },
    { name: 'status_detail', type: t.string, default: '' },
    { name: 'runtime_properties', type: stringMap, default: {} },
    { name: 'qos_algorithm_type', db: 'qos__algorithm_type', type: t.string, default: '', methods: SET },
    {
      name: 'qos_algorithm_params',
      db: 'qos__algorithm_params',
      type: stringMap,
      default: {},
      methods: MAP_RW,
    },
    {
      name: 'qos_supported_algorithms',
      db: 'qos__supported_algorithms',
      type: stringSet,
      default: [],
    },
    { name: 'metrics', type: t.ref('VBD_metrics'), default: NULL_REF },
  ],
};
