/**
 * PIF: the record of `PIF.get_record`, in datamodel order.
 *
 * Interface addressing is changed through reconfigure_ip/reconfigure_ipv6 and properties through
 * set_property(name, value), none of which is a generic accessor; only other_config,
 * disallow_unplug and (explicitly) primary_address_type have one.
 */
import { NULL_REF, t, type ClassDef } from '../types.js';
import {
  MAP_RW, SET, ipConfigurationMode, ipv6ConfigurationMode, pifIgmpStatus, primaryAddressType,
  refs, stringMap, stringSet,
} from './common.js';

export const PIF: ClassDef = {
  name: 'PIF',
  fields: [
    { name: 'uuid', type: t.string, default: '' },
    { name: 'device', type: t.string, default: '' },
    { name: 'network', type: t.ref('network'), default: NULL_REF },
    { name: 'host', type: t.ref('host'), default: NULL_REF },
    { name: 'MAC', type: t.string, default: '' },
    { name: 'MTU', type: t.int, default: 1500 },
    // -1 means "not a VLAN interface".
    { name: 'VLAN', type: t.int, default: -1 },
    { name: 'metrics', type: t.ref('PIF_metrics'), default: NULL_REF },
    { name: 'physical', type: t.bool, default: false },
    { name: 'currently_attached', type: t.bool, default: false },
    { name: 'ip_configuration_mode', type: ipConfigurationMode, default: 'None' },
    { name: 'IP', type: t.string, default: '' },
    { name: 'netmask', type: t.string, default: '' },
    { name: 'gateway', type: t.string, default: '' },
    { name: 'DNS', type: t.string, default: '' },
    { name: 'bond_slave_of', type: t.ref('Bond'), default: NULL_REF },
    { name: 'bond_master_of', type: refs('Bond'), default: [] },
    { name: 'VLAN_master_of', type: t.ref('VLAN'), default: NULL_REF },
    { name: 'VLAN_slave_of', type: refs('VLAN'), default: [] },
    { name: 'management', type: t.bool, default: false },
    { name: 'other_config', type: stringMap, default: {}, methods: MAP_RW },
    { name: 'disallow_unplug', type: t.bool, default: false, methods: SET },
    { name: 'tunnel_access_PIF_of', type: refs('tunnel'), default: [] },
    { name: 'tunnel_transport_PIF_of', type: refs('tunnel'), default: [] },
    { name: 'ipv6_configuration_mode', type: ipv6ConfigurationMode, default: 'None' },
    { name: 'IPv6', type: stringSet, default: [] },
    { name: 'ipv6_gateway', type: t.string, default: '' },
    { name: 'primary_address_type', type: primaryAddressType, default: 'IPv4', methods: SET },
    { name: 'managed', type: t.bool, default: true },
    { name: 'properties', type: stringMap, default: {} },
    { name: 'capabilities', type: stringSet, default: [] },
    { name: 'igmp_snooping_status', type: pifIgmpStatus, default: 'unknown' },
    { name: 'sriov_physical_PIF_of', type: refs('network_sriov'), default: [] },
    { name: 'sriov_logical_PIF_of', type: refs('network_sriov'), default: [] },
    { name: 'PCI', type: t.ref('PCI'), default: NULL_REF },
  ],
};
