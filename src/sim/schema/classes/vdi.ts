/**
 * VDI: the record of `VDI.get_record`, in datamodel order.
 *
 * name_label, name_description, sharable, read_only, on_boot and allow_caching are set through
 * explicit messages (some go through the SM backend). XAPI also serves hidden setters used by the
 * storage layer and by DR (set_managed, set_missing, set_virtual_size, set_physical_utilisation,
 * set_is_a_snapshot, set_snapshot_of, set_snapshot_time, set_metadata_of_pool); they are not in the
 * SDKs, so those fields carry no method.
 */
import { EPOCH, NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, currentOps, onBoot, refs, stringMap, stringSet, vdiOperations, vdiType,
} from './common.js';

export const VDI: ClassDef = {
  name: 'VDI',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'name_label', db: 'name__label', type: t.string, default: '', methods: SET },
    { name: 'name_description', db: 'name__description', type: t.string, default: '', methods: SET },
    { name: 'allowed_operations', type: t.set(vdiOperations), default: [] },
    { name: 'current_operations', type: currentOps(vdiOperations), default: {} },
    { name: 'SR', type: t.ref('SR'), default: NULL_REF },
    { name: 'VBDs', type: refs('VBD'), default: [] },
    { name: 'crash_dumps', type: refs('crashdump'), default: [] },
    { name: 'virtual_size', type: t.int, default: 0 },
    { name: 'physical_utilisation', type: t.int, default: 0 },
    { name: 'type', type: vdiType, default: 'user' },
    { name: 'sharable', type: t.bool, default: false, methods: SET },
    { name: 'read_only', type: t.bool, default: false, methods: SET },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'storage_lock', type: t.bool, default: false },
    { name: 'location', type: t.string, default: '' },
    { name: 'managed', type: t.bool, default: true },
    { name: 'missing', type: t.bool, default: false },
    // Deprecated and always NULL, but still part of every record.
    { name: 'parent', type: t.ref('VDI'), default: NULL_REF },
    { name: 'xenstore_data', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'sm_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'is_a_snapshot', type: t.bool, default: false },
    { name: 'snapshot_of', type: t.ref('VDI'), default: NULL_REF },
    { name: 'snapshots', type: refs('VDI'), default: [] },
    { name: 'snapshot_time', type: t.datetime, default: EPOCH },
    { name: 'tags', type: stringSet, default: [], methods: SET_RW },
    { name: 'allow_caching', type: t.bool, default: false, methods: SET },
    { name: 'on_boot', type: onBoot, default: 'persist', methods: SET },
    { name: 'metadata_of_pool', type: t.ref('pool'), default: NULL_REF },
    { name: 'metadata_latest', type: t.bool, default: false },
    { name: 'is_tools_iso', type: t.bool, default: false },
    { name: 'cbt_enabled', type: t.bool, default: false },
  ],
};
