/**
 * The simulator's class schema: lookup by class and field name, value validation against the
 * datamodel types, and fresh records. Records are always complete (every field present) because
 * clients such as xen-api freeze a class's field list from the first record they see.
 */
import type { ClassDef, FieldDef, FieldType, Value } from './types.js';
import { Console } from './classes/console.js';
import { host } from './classes/host.js';
import { host_metrics } from './classes/host-metrics.js';
import { network } from './classes/network.js';
import { PBD } from './classes/pbd.js';
import { PIF } from './classes/pif.js';
import { pool } from './classes/pool.js';
import { SR } from './classes/sr.js';
import { task } from './classes/task.js';
import { VBD } from './classes/vbd.js';
import { VDI } from './classes/vdi.js';
import { VIF } from './classes/vif.js';
import { VM } from './classes/vm.js';
import { VM_guest_metrics } from './classes/vm-guest-metrics.js';
import { VM_metrics } from './classes/vm-metrics.js';

export const CLASSES: readonly ClassDef[] = [
  pool, host, host_metrics, SR, PBD, PIF, network, VM, VM_metrics, VM_guest_metrics, VBD, VDI, VIF,
  Console, task,
];

// XAPI accepts class names in any case ("vm", "VM", "Vm"), so lookups go through lower case.
const byLowerName = new Map(CLASSES.map((c) => [c.name.toLowerCase(), c]));
const fieldIndex = new WeakMap<ClassDef, Map<string, FieldDef>>();

export function classByName(name: string): ClassDef | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** Field names, unlike class names, are case-sensitive in XAPI (VCPUs_max, not vcpus_max). */
export function fieldOf(cls: ClassDef, name: string): FieldDef | undefined {
  let index = fieldIndex.get(cls);
  if (!index) {
    index = new Map(cls.fields.map((f) => [f.name, f]));
    fieldIndex.set(cls, index);
  }
  return index.get(name);
}

// XAPI prints datetimes as 20240101T00:00:00Z; older records carry no zone, some a fraction.
const DATETIME = /^\d{8}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const INT_KEY = /^-?\d+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Map keys travel as strings (XML-RPC structs and JSON objects only have string keys). */
function isValidKey(type: FieldType, key: string): boolean {
  switch (type.kind) {
    case 'int':
      return INT_KEY.test(key);
    case 'float':
      return key.trim() !== '' && !Number.isNaN(Number(key));
    case 'bool':
      return key === 'true' || key === 'false';
    case 'enum':
      return type.values.includes(key);
    case 'ref':
      return key.startsWith('OpaqueRef:');
    case 'datetime':
      return DATETIME.test(key);
    case 'string':
      return true;
    case 'set':
    case 'map':
      return false;
  }
}

export function isValidValue(type: FieldType, value: unknown): boolean {
  switch (type.kind) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value);
    case 'enum':
      return typeof value === 'string' && type.values.includes(value);
    case 'ref':
      return typeof value === 'string' && value.startsWith('OpaqueRef:');
    case 'set':
      return Array.isArray(value) && value.every((v) => isValidValue(type.of, v));
    case 'map':
      return (
        isPlainObject(value) &&
        Object.entries(value).every(([k, v]) => isValidKey(type.key, k) && isValidValue(type.value, v))
      );
  }
}

function copyValue(value: Value): Value {
  return structuredClone(value);
}

/** A fresh record of all defaults; callers may mutate it without touching the schema. */
export function defaultRecord(cls: ClassDef): Record<string, Value> {
  const record: Record<string, Value> = {};
  for (const field of cls.fields) record[field.name] = copyValue(field.default);
  return record;
}

/**
 * Validates `partial` against the class and fills every missing field with its default, in
 * datamodel order. Undefined values count as missing so optional constructor arguments can be
 * passed through as they are. Given values are copied, so the record shares nothing with them.
 */
export function completeRecord(cls: ClassDef, partial: Record<string, unknown>): Record<string, Value> {
  for (const [name, value] of Object.entries(partial)) {
    const field = fieldOf(cls, name);
    if (!field) throw new Error(`${cls.name} has no field '${name}'`);
    if (value !== undefined && !isValidValue(field.type, value)) {
      throw new Error(`${cls.name}.${name}: invalid value ${describe(value)} for type ${typeName(field.type)}`);
    }
  }
  const record: Record<string, Value> = {};
  for (const field of cls.fields) {
    const given = partial[field.name];
    record[field.name] = copyValue(given === undefined ? field.default : (given as Value));
  }
  return record;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    // Fall through for cyclic or otherwise unserialisable values.
  }
  return String(value);
}

/** The datamodel spelling of a type, for error messages: "(int -> float) map", "VDI ref set". */
export function typeName(type: FieldType): string {
  switch (type.kind) {
    case 'enum':
      return `enum(${type.values.join('|')})`;
    case 'ref':
      return `${type.class} ref`;
    case 'set':
      return `${typeName(type.of)} set`;
    case 'map':
      return `(${typeName(type.key)} -> ${typeName(type.value)}) map`;
    default:
      return type.kind;
  }
}
