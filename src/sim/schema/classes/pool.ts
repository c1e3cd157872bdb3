/**
 * pool: the record of `pool.get_record` on XenServer 8 / XCP-ng 8.3, in datamodel order, as in
 * the SDK generated for xapi 25.27. Fields added later (vm_console_idle_timeout,
 * limit_console_sessions, 26.x) are left out.
 *
 * Unlike every other class, pool's name_label/name_description are plain fields, not a "name"
 * namespace: the database column is "name_label" (see the XML dumps), so no `db` here.
 *
 * Deliberately without methods although XAPI has a message of that name:
 * - vswitch_controller: pool.set_vswitch_controller(address) takes no pool reference;
 * - ext_auth_cache_*: their setters are hidden from the SDKs;
 * - repositories: only set_; add_repository/remove_repository are not the add_/remove_ accessors.
 */
import { EPOCH, NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, SET_RW, blobMap, currentOps, poolAllowedOperations, refs, stringMap, stringSet,
  telemetryFrequency, updateSyncFrequency,
} from './common.js';

export const pool: ClassDef = {
  name: 'pool',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'name_label', type: t.string, default: '', methods: SET },
    { name: 'name_description', type: t.string, default: '', methods: SET },
    { name: 'master', type: t.ref('host'), default: NULL_REF },
    { name: 'default_SR', type: t.ref('SR'), default: NULL_REF, methods: SET },
    { name: 'suspend_image_SR', type: t.ref('SR'), default: NULL_REF, methods: SET },
    { name: 'crash_dump_SR', type: t.ref('SR'), default: NULL_REF, methods: SET },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'ha_enabled', type: t.bool, default: false },
    { name: 'ha_configuration', type: stringMap, default: {} },
    { name: 'ha_statefiles', type: stringSet, default: [] },
    { name: 'ha_host_failures_to_tolerate', type: t.int, default: 0, methods: SET },
    { name: 'ha_plan_exists_for', type: t.int, default: 0 },
    { name: 'ha_allow_overcommit', type: t.bool, default: false, methods: SET },
    { name: 'ha_overcommitted', type: t.bool, default: false },
    { name: 'blobs', type: blobMap, default: {} },
    { name: 'tags', type: stringSet, default: [], methods: SET_RW },
    { name: 'gui_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'health_check_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'wlb_url', type: t.string, default: '' },
    { name: 'wlb_username', type: t.string, default: '' },
    { name: 'wlb_enabled', type: t.bool, default: false, methods: SET },
    { name: 'wlb_verify_cert', type: t.bool, default: false, methods: SET },
    { name: 'redo_log_enabled', type: t.bool, default: false },
    { name: 'redo_log_vdi', type: t.ref('VDI'), default: NULL_REF },
    { name: 'vswitch_controller', type: t.string, default: '' },
    { name: 'restrictions', type: stringMap, default: {} },
    { name: 'metadata_VDIs', type: refs('VDI'), default: [] },
    { name: 'ha_cluster_stack', type: t.string, default: 'xhad' },
    { name: 'allowed_operations', type: t.set(poolAllowedOperations), default: [] },
    { name: 'current_operations', type: currentOps(poolAllowedOperations), default: {} },
    // Written only through add_to_/remove_from_ messages: there is no set_guest_agent_config.
    { name: 'guest_agent_config', type: stringMap, default: {}, methods: ['add_to', 'remove_from'] },
    { name: 'cpu_info', type: stringMap, default: {} },
    { name: 'policy_no_vendor_device', type: t.bool, default: false, methods: SET },
    { name: 'live_patching_disabled', type: t.bool, default: false, methods: SET },
    { name: 'igmp_snooping_enabled', type: t.bool, default: false, methods: SET },
    { name: 'uefi_certificates', type: t.string, default: '', methods: SET },
    { name: 'custom_uefi_certificates', type: t.string, default: '', methods: SET },
    { name: 'is_psr_pending', type: t.bool, default: false, methods: SET },
    { name: 'tls_verification_enabled', type: t.bool, default: true },
    { name: 'repositories', type: refs('Repository'), default: [], methods: SET },
    { name: 'client_certificate_auth_enabled', type: t.bool, default: false },
    { name: 'client_certificate_auth_name', type: t.string, default: '' },
    { name: 'repository_proxy_url', type: t.string, default: '' },
    { name: 'repository_proxy_username', type: t.string, default: '' },
    { name: 'repository_proxy_password', type: t.ref('Secret'), default: NULL_REF },
    { name: 'migration_compression', type: t.bool, default: false, methods: SET },
    { name: 'coordinator_bias', type: t.bool, default: true, methods: SET },
    { name: 'local_auth_max_threads', type: t.int, default: 8, methods: SET },
    { name: 'ext_auth_max_threads', type: t.int, default: 1, methods: SET },
    { name: 'ext_auth_cache_enabled', type: t.bool, default: false },
    { name: 'ext_auth_cache_size', type: t.int, default: 50 },
    { name: 'ext_auth_cache_expiry', type: t.int, default: 300 },
    { name: 'telemetry_uuid', type: t.ref('Secret'), default: NULL_REF },
    { name: 'telemetry_frequency', type: telemetryFrequency, default: 'weekly' },
    { name: 'telemetry_next_collection', type: t.datetime, default: EPOCH, methods: SET },
    { name: 'last_update_sync', type: t.datetime, default: EPOCH },
    { name: 'update_sync_frequency', type: updateSyncFrequency, default: 'weekly' },
    { name: 'update_sync_day', type: t.int, default: 0 },
    { name: 'update_sync_enabled', type: t.bool, default: false, methods: SET },
    { name: 'recommendations', type: stringMap, default: {} },
    { name: 'license_server', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'ha_reboot_vm_on_internal_shutdown', type: t.bool, default: true, methods: SET },
  ],
};
