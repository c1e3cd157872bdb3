/**
 * VM_metrics: the record of `VM_metrics.get_record`, in datamodel order. The "memory" and "VCPUs"
 * namespaces give memory__actual, VCPUs__utilisation... in the database.
 *
 * The per-vCPU maps are keyed by the vCPU number (an int key, sent as a decimal string); the NUMA
 * fields of xapi 26.x are left out.
 */
import { EPOCH, t, type ClassDef } from '../types.js';
import { MAP_RW, domainType, stringMap, stringSet } from './common.js';

export const VM_metrics: ClassDef = {
  name: 'VM_metrics',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'memory_actual', db: 'memory__actual', type: t.int, default: 0 },
    { name: 'VCPUs_number', db: 'VCPUs__number', type: t.int, default: 0 },
    {
      name: 'VCPUs_utilisation',
      db: 'VCPUs__utilisation',
      type: t.map(t.int, t.float),
      default: {},
    },
    { name: 'VCPUs_CPU', db: 'VCPUs__CPU', type: t.map(t.int, t.int), default: {} },
    { name: 'VCPUs_params', db: 'VCPUs__params', type: stringMap, default: {} },
    { name: 'VCPUs_flags', db: 'VCPUs__flags', type: t.map(t.int, stringSet), default: {} },
    { name: 'state', type: stringSet, default: [] },
    { name: 'start_time', type: t.datetime, default: EPOCH },
    { name: 'install_time', type: t.datetime, default: EPOCH },
    { name: 'last_updated', type: t.datetime, default: EPOCH },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'hvm', type: t.bool, default: false },
    { name: 'nested_virt', type: t.bool, default: false },
    { name: 'nomigrate', type: t.bool, default: false },
    { name: 'current_domain_type', type: domainType, default: 'unspecified' },
  ],
};
