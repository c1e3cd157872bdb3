/**
 * console: the record of `console.get_record`. Only other_config is writable.
 */
import { NULL_REF, t, type ClassDef } from '../types.js';
import { MAP_RW, consoleProtocol, stringMap } from './common.js';

// Capitalised only to avoid shadowing the global `console` in importing modules.
export const Console: ClassDef = {
  name: 'console',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'protocol', type: consoleProtocol, default: 'rfb' },
    { name: 'location', type: t.string, default: '' },
    { name: 'VM', type: t.ref('VM'), default: NULL_REF },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
  ],
};
