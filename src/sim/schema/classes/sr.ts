/**
 * SR: the record of `SR.get_record`, in datamodel order.
 *
 * name_label/name_description/shared/physical_size are set through explicit messages (the first
 * two also tell the SM backend); set_virtual_allocation and set_physical_utilisation exist but are
 * hidden from the SDKs, so those fields carry no method.
 */
import { NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, blobMap, currentOps, refs, storageOperations, stringMap, stringSet,
} from './common.js';

export const SR: ClassDef = {
  name: 'SR',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'name_label', db: 'name__label', type: t.string, default: '', methods: SET },
    { name: 'name_description', db: 'name__description', type: t.string, default: '', methods: SET },
    { name: 'allowed_operations', type: t.set(storageOperations), default: [] },
    { name: 'current_operations', type: currentOps(storageOperations), default: {} },
    { name: 'VDIs', type: refs('VDI'), default: [] },
    { name: 'PBDs', type: refs('PBD'), default: [] },
    { name: 'virtual_allocation', type: t.int, default: 0 },
    { name: 'physical_utilisation', type: t.int, default: 0 },
    { name: 'physical_size', type: t.int, default: 0, methods: SET },
    { name: 'type', type: t.string, default: '' },
    { name: 'content_type', type: t.string, default: '' },
    { name: 'shared', type: t.bool, default: false, methods: SET },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'tags', type: stringSet, default: [], methods: SET_RW },
    { name: 'sm_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'blobs', type: blobMap, default: {} },
    { name: 'local_cache_enabled', type: t.bool, default: false },
    { name: 'introduced_by', type: t.ref('DR_task'), default: NULL_REF },
    { name: 'clustered', type: t.bool, default: false },
    { name: 'is_tools_sr', type: t.bool, default: false },
  ],
};
