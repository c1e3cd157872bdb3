/**
 * host_metrics: the record of `host_metrics.get_record`. "memory" is a namespace, hence the
 * double underscore in the database.
 */
import { EPOCH, t, type ClassDef } from '../types.js';
import { MAP_RW, stringMap } from './common.js';

export const host_metrics: ClassDef = {
  name: 'host_metrics',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'memory_total', db: 'memory__total', type: t.int, default: 0 },
    { name: 'memory_free', db: 'memory__free', type: t.int, default: 0 },
    { name: 'live', type: t.bool, default: false },
    { name: 'last_updated', type: t.datetime, default: EPOCH },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
  ],
};
