/**
 * The second half of the host record, from license_params to the end; see host.ts.
 *
 * power_on_mode has a set_power_on_mode message, but it takes the mode and its config together,
 * so it is not a generic set_ accessor and carries no method here.
 */
import { EPOCH, NULL_REF, t, type FieldDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, blobMap, hostDisplay, hostNumaAffinityPolicy,
  latestSyncedUpdatesAppliedState, refs, stringMap, stringSet, updateGuidances,
} from './common.js';

export const HOST_FIELDS_2: readonly FieldDef[] = [
  { name: 'license_params', type: stringMap, default: {} },
  { name: 'ha_statefiles', type: stringSet, default: [] },
  { name: 'ha_network_peers', type: stringSet, default: [] },
  { name: 'blobs', type: blobMap, default: {} },
  { name: 'tags', type: stringSet, default: [], methods: SET_RW },
  { name: 'external_auth_type', type: t.string, default: '' },
  { name: 'external_auth_service_name', type: t.string, default: '' },
  { name: 'external_auth_configuration', type: stringMap, default: {} },
  { name: 'edition', type: t.string, default: '' },
  { name: 'license_server', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'bios_strings', type: stringMap, default: {} },
  { name: 'power_on_mode', type: t.string, default: '' },
  { name: 'power_on_config', type: stringMap, default: {} },
  { name: 'local_cache_sr', type: t.ref('SR'), default: NULL_REF },
  { name: 'chipset_info', type: stringMap, default: {} },
  { name: 'PCIs', type: refs('PCI'), default: [] },
  { name: 'PGPUs', type: refs('PGPU'), default: [] },
  { name: 'PUSBs', type: refs('PUSB'), default: [] },
  { name: 'ssl_legacy', type: t.bool, default: false, methods: SET },
  { name: 'guest_VCPUs_params', type: stringMap, default: {}, methods: MAP_RW },
  { name: 'display', type: hostDisplay, default: 'enabled', methods: SET },
  { name: 'virtual_hardware_platform_versions', type: t.set(t.int), default: [0, 1, 2] },
  { name: 'control_domain', type: t.ref('VM'), default: NULL_REF },
  { name: 'updates_requiring_reboot', type: refs('pool_update'), default: [] },
  { name: 'features', type: refs('Feature'), default: [] },
  { name: 'iscsi_iqn', type: t.string, default: '', methods: SET },
  { name: 'multipathing', type: t.bool, default: false, methods: SET },
  { name: 'uefi_certificates', type: t.string, default: '', methods: SET },
  { name: 'certificates', type: refs('Certificate'), default: [] },
  { name: 'editions', type: stringSet, default: [] },
  { name: 'pending_guidances', type: t.set(updateGuidances), default: [] },
  { name: 'tls_verification_enabled', type: t.bool, default: true },
  { name: 'last_software_update', type: t.datetime, default: EPOCH },
  { name: 'https_only', type: t.bool, default: false, methods: SET },
  {
    name: 'latest_synced_updates_applied',
    type: latestSyncedUpdatesAppliedState,
    default: 'unknown',
  },
  {
    name: 'numa_affinity_policy',
    type: hostNumaAffinityPolicy,
    default: 'default_policy',
    methods: SET,
  },
  { name: 'pending_guidances_recommended', type: t.set(updateGuidances), default: [] },
  { name: 'pending_guidances_full', type: t.set(updateGuidances), default: [] },
  { name: 'last_update_hash', type: t.string, default: '' },
  // SSH controls (xapi 25.21 / 25.27); each setter is an explicit message.
  { name: 'ssh_enabled', type: t.bool, default: true },
  { name: 'ssh_enabled_timeout', type: t.int, default: 0, methods: SET },
  { name: 'ssh_expiry', type: t.datetime, default: EPOCH },
  { name: 'console_idle_timeout', type: t.int, default: 0, methods: SET },
  { name: 'ssh_auto_mode', type: t.bool, default: false, methods: SET },
];
