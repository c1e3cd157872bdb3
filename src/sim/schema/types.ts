/**
 * How the simulator describes XAPI classes: every field with its datamodel type and the value a
 * fresh record gets. XAPI gives every record of a class the same complete field set, and the
 * xen-api client freezes a class's field list from the first record it sees, so the simulator
 * must never leave a field out (xapi-notes §1.7). The type decides the wire encoding: ints are
 * strings over XML-RPC and numbers over JSON-RPC, datetimes are dateTime.iso8601 or strings.
 */

/** A field value as the store keeps it. Datetimes are XAPI strings: "20240101T00:00:00Z". */
export type Value = string | number | boolean | Value[] | { [key: string]: Value };

export type FieldType =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'float' }
  | { kind: 'bool' }
  | { kind: 'datetime' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'ref'; class: string }
  | { kind: 'set'; of: FieldType }
  | { kind: 'map'; key: FieldType; value: FieldType };

/** Which generic accessor methods XAPI offers for a field (besides get_<name>, which all have). */
export type FieldMethod = 'set' | 'add_to' | 'remove_from' | 'add' | 'remove';

export interface FieldDef {
  /** The wire name, e.g. "name_label". */
  name: string;
  /** The column in the XML database dump when it differs: namespaced fields double the "_" ("name__label"). */
  db?: string;
  type: FieldType;
  /** The value of a field nobody set. Must be valid for `type`. */
  default: Value;
  /** set_<name> for read-write fields; add_to_/remove_from_ for editable maps; add_/remove_ for editable sets. */
  methods?: readonly FieldMethod[];
}

export interface ClassDef {
  /** The API class name with XAPI's casing: "VM", "VDI", "pool", "host", "task". */
  name: string;
  /** Fields in XAPI's order; always includes "uuid" (every class here has one). */
  fields: readonly FieldDef[];
}

// Small constructors so class tables read like the datamodel.
export const t = {
  string: { kind: 'string' } as FieldType,
  int: { kind: 'int' } as FieldType,
  float: { kind: 'float' } as FieldType,
  bool: { kind: 'bool' } as FieldType,
  datetime: { kind: 'datetime' } as FieldType,
  enum: (...values: string[]): FieldType => ({ kind: 'enum', values }),
  ref: (cls: string): FieldType => ({ kind: 'ref', class: cls }),
  set: (of: FieldType): FieldType => ({ kind: 'set', of }),
  map: (key: FieldType, value: FieldType): FieldType => ({ kind: 'map', key, value }),
};

export const NULL_REF = 'OpaqueRef:NULL';
/** XAPI's "never" datetime (Date.of_float 0). */
export const EPOCH = '19700101T00:00:00Z';
