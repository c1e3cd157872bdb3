/**
 * network: the record of `network.get_record`, in datamodel order.
 *
 * purpose is changed only through add_purpose/remove_purpose (there is no set_purpose), and
 * default_locking_mode through an explicit set_default_locking_mode.
 */
import { t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, blobMap, currentOps, networkDefaultLockingMode, networkOperations,
  networkPurpose, refs, stringMap, stringSet,
} from './common.js';

export const network: ClassDef = {
  name: 'network',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'name_label', db: 'name__label', type: t.string, default: '', methods: SET },
    { name: 'name_description', db: 'name__description', type: t.string, default: '', methods: SET },
    { name: 'allowed_operations', type: t.set(networkOperations), default: [] },
    { name: 'current_operations', type: currentOps(networkOperations), default: {} },
    { name: 'VIFs', type: refs('VIF'), default: [] },
    { name: 'PIFs', type: refs('PIF'), default: [] },
    { name: 'MTU', type: t.int, default: 1500, methods: SET },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'bridge', type: t.string, default: '' },
    { name: 'managed', type: t.bool, default: true },
    { name: 'blobs', type: blobMap, default: {} },
    { name: 'tags', type: stringSet, default: [], methods: SET_RW },
    {
      name: 'default_locking_mode',
      type: networkDefaultLockingMode,
      default: 'unlocked',
      methods: SET,
    },
    // Keyed by VIF reference: the addresses handed out by xapi-managed DHCP.
    { name: 'assigned_ips', type: t.map(t.ref('VIF'), t.string), default: {} },
    { name: 'purpose', type: t.set(networkPurpose), default: [], methods: ['add', 'remove'] },
  ],
};
