/**
 * Enumerations and type shorthands shared by the class tables. Enum values are the exact wire
 * strings of the XAPI datamodel (checked against the generated Go SDK's enums, xapi 24.x–25.x);
 * the SDKs' extra "unknown"/"unrecognized" members are client-side only and left out, except where
 * XAPI itself sends "unknown" (pif_igmp_status, latest_synced_updates_applied_state).
 */
import { t, type FieldMethod, type FieldType } from '../types.js';

export const vmPowerState = t.enum('Halted', 'Paused', 'Running', 'Suspended');

export const vmOperations = t.enum(
  'snapshot', 'clone', 'copy', 'create_template', 'revert', 'checkpoint', 'snapshot_with_quiesce',
  'provision', 'start', 'start_on', 'pause', 'unpause', 'clean_shutdown', 'clean_reboot',
  'hard_shutdown', 'power_state_reset', 'hard_reboot', 'suspend', 'csvm', 'resume', 'resume_on',
  'pool_migrate', 'migrate_send', 'get_boot_record', 'send_sysrq', 'send_trigger', 'query_services',
  'shutdown', 'call_plugin', 'changing_memory_live', 'awaiting_memory_live',
  'changing_dynamic_range', 'changing_static_range', 'changing_memory_limits',
  'changing_shadow_memory', 'changing_shadow_memory_live', 'changing_VCPUs', 'changing_VCPUs_live',
  'changing_NVRAM', 'assert_operation_valid', 'data_source_op', 'update_allowed_operations',
  'make_into_template', 'import', 'export', 'metadata_export', 'reverting', 'destroy', 'create_vtpm',
);

export const onNormalExit = t.enum('destroy', 'restart');
export const onCrashBehaviour = t.enum(
  'destroy', 'coredump_and_destroy', 'restart', 'coredump_and_restart', 'preserve', 'rename_restart',
);
export const onSoftrebootBehavior = t.enum('soft_reboot', 'destroy', 'restart', 'preserve');
export const domainType = t.enum('hvm', 'pv', 'pv_in_pvh', 'pvh', 'unspecified');
export const updateGuidances = t.enum(
  'reboot_host', 'reboot_host_on_livepatch_failure', 'reboot_host_on_kernel_livepatch_failure',
  'reboot_host_on_xen_livepatch_failure', 'restart_toolstack', 'restart_device_model', 'restart_vm',
);
export const tristateType = t.enum('yes', 'no', 'unspecified');

export const hostAllowedOperations = t.enum(
  'provision', 'evacuate', 'shutdown', 'reboot', 'power_on', 'vm_start', 'vm_resume', 'vm_migrate',
  'apply_updates', 'enable',
);
export const hostDisplay = t.enum('enabled', 'disable_on_reboot', 'disabled', 'enable_on_reboot');
export const latestSyncedUpdatesAppliedState = t.enum('yes', 'no', 'unknown');
export const hostNumaAffinityPolicy = t.enum('any', 'best_effort', 'default_policy');

export const poolAllowedOperations = t.enum(
  'ha_enable', 'ha_disable', 'cluster_create', 'designate_new_master', 'configure_repositories',
  'sync_updates', 'sync_bundle', 'get_updates', 'apply_updates', 'tls_verification_enable',
  'cert_refresh', 'exchange_certificates_on_join', 'exchange_ca_certificates_on_join',
  'copy_primary_host_certs', 'eject',
);
export const telemetryFrequency = t.enum('daily', 'weekly', 'monthly');
export const updateSyncFrequency = t.enum('daily', 'weekly');

export const storageOperations = t.enum(
  'scan', 'destroy', 'forget', 'plug', 'unplug', 'update', 'vdi_create', 'vdi_introduce',
  'vdi_destroy', 'vdi_resize', 'vdi_clone', 'vdi_snapshot', 'vdi_mirror', 'vdi_enable_cbt',
  'vdi_disable_cbt', 'vdi_data_destroy', 'vdi_list_changed_blocks', 'vdi_set_on_boot',
  'vdi_blocked', 'vdi_copy', 'vdi_force_unlock', 'vdi_forget', 'vdi_generate_config',
  'vdi_resize_online', 'vdi_update', 'pbd_create', 'pbd_destroy',
);
export const vdiOperations = t.enum(
  'clone', 'copy', 'resize', 'resize_online', 'snapshot', 'mirror', 'destroy', 'forget', 'update',
  'force_unlock', 'generate_config', 'enable_cbt', 'disable_cbt', 'data_destroy',
  'list_changed_blocks', 'set_on_boot', 'blocked',
);
export const vdiType = t.enum(
  'system', 'user', 'ephemeral', 'suspend', 'crashdump', 'ha_statefile', 'metadata', 'redo_log',
  'rrd', 'pvs_cache', 'cbt_metadata',
);
export const onBoot = t.enum('reset', 'persist');

export const vbdOperations = t.enum(
  'attach', 'eject', 'insert', 'plug', 'unplug', 'unplug_force', 'pause', 'unpause',
);
export const vbdMode = t.enum('RO', 'RW');
export const vbdType = t.enum('CD', 'Disk', 'Floppy');

export const vifOperations = t.enum('attach', 'plug', 'unplug');
export const vifLockingMode = t.enum('network_default', 'locked', 'unlocked', 'disabled');
export const vifIpv4ConfigurationMode = t.enum('None', 'Static');
export const vifIpv6ConfigurationMode = t.enum('None', 'Static');

export const networkOperations = t.enum('attaching');
export const networkDefaultLockingMode = t.enum('unlocked', 'disabled');
export const networkPurpose = t.enum('nbd', 'insecure_nbd');

export const ipConfigurationMode = t.enum('None', 'DHCP', 'Static');
export const ipv6ConfigurationMode = t.enum('None', 'DHCP', 'Static', 'Autoconf');
export const primaryAddressType = t.enum('IPv4', 'IPv6');
export const pifIgmpStatus = t.enum('enabled', 'disabled', 'unknown');

export const consoleProtocol = t.enum('vt100', 'rfb', 'rdp');

export const taskAllowedOperations = t.enum('cancel', 'destroy');
export const taskStatusType = t.enum('pending', 'success', 'failure', 'cancelling', 'cancelled');

// Shorthands for the types that recur in nearly every class.
export const stringMap: FieldType = t.map(t.string, t.string);
export const stringSet: FieldType = t.set(t.string);
export const blobMap: FieldType = t.map(t.string, t.ref('blob'));
export const refs = (cls: string): FieldType => t.set(t.ref(cls));
/** The per-object operation bookkeeping every "allowed_operations" class has. */
export const currentOps = (ops: FieldType): FieldType => t.map(t.string, ops);

// The generic accessors: a writable scalar gets set_; a writable map also add_to_/remove_from_;
// a writable set also add_/remove_.
export const SET: readonly FieldMethod[] = ['set'];
export const MAP_RW: readonly FieldMethod[] = ['set', 'add_to', 'remove_from'];
export const SET_RW: readonly FieldMethod[] = ['set', 'add', 'remove'];
