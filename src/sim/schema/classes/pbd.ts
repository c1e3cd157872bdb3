/**
 * PBD: the record of `PBD.get_record`. device_config is replaced whole through the explicit
 * set_device_config message; there is no add_to_/remove_from_ for it.
 */
import { NULL_REF, t, type ClassDef } from '../types.js';
import { MAP_RW, SET, stringMap } from './common.js';

export const PBD: ClassDef = {
  name: 'PBD',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'host', type: t.ref('host'), default: NULL_REF },
    { name: 'SR', type: t.ref('SR'), default: NULL_REF },
    { name: 'device_config', type: stringMap, default: {}, methods: SET },
    { name: 'currently_attached', type: t.bool, default: false },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
  ],
};
