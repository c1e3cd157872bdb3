/**
 * Return types of RPC methods, and the XML-RPC encoding of values by type (xapi-notes §2.2):
 * ints are decimal strings (64-bit safe), floats <double>, bools <boolean>0|1, datetimes
 * <dateTime.iso8601>20240101T00:00:00Z, sets arrays, maps structs, strings untyped <value>.
 * JSON-RPC needs no such table: the store already holds ints as numbers and datetimes as
 * strings, which is exactly what XAPI's JSON-RPC sends (§2.3).
 */
import type { ClassDef, FieldType, Value } from '../schema/types.js';
import { classByName } from '../schema/index.js';

export type WireType =
  | FieldType
  | { kind: 'void' }
  /** One full record of a class (get_record). */
  | { kind: 'record'; class: string }
  /** ref → record (get_all_records). */
  | { kind: 'records'; class: string }
  /** The struct event.from returns. */
  | { kind: 'event-batch' }
  /** event.next's array of events. */
  | { kind: 'events' }
  /** An int32 (XAPI sends these as <i4>, unlike 64-bit ints). */
  | { kind: 'int32' };

export const VOID: WireType = { kind: 'void' };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const str = (s: string) => `<value>${escapeXml(s)}</value>`;

function member(name: string, value: string): string {
  return `<member><name>${escapeXml(name)}</name>${value}</member>`;
}

function recordXml(cls: ClassDef, record: Record<string, Value>): string {
  let out = '<value><struct>';
  for (const field of cls.fields) out += member(field.name, valueXml(record[field.name] ?? field.default, field.type));
  return out + '</struct></value>';
}

function classOf(name: string): ClassDef {
  const cls = classByName(name);
  if (!cls) throw new Error(`no class ${name}`);
  return cls;
}

interface WireEvent {
  id: string;
  timestamp: string;
  class: string;
  operation: string;
  ref: string;
  snapshot?: Record<string, Value>;
}

function eventXml(e: WireEvent): string {
  let out = '<value><struct>';
  out += member('id', str(e.id)) + member('timestamp', str(e.timestamp)) + member('class', str(e.class));
  out += member('operation', str(e.operation)) + member('ref', str(e.ref));
  if (e.snapshot) out += member('snapshot', recordXml(classOf(e.class), e.snapshot));
  return out + '</struct></value>';
}

/** The <value> element for `value` of wire type `type`. */
export function valueXml(value: unknown, type: WireType): string {
  switch (type.kind) {
    case 'void':
      return '<value></value>';
    case 'string':
    case 'enum':
    case 'ref':
      return str(String(value));
    case 'int':
      return str(String(Math.trunc(Number(value))));
    case 'int32':
      return `<value><i4>${Math.trunc(Number(value))}</i4></value>`;
    case 'float':
      return `<value><double>${Number(value)}</double></value>`;
    case 'bool':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
    case 'datetime':
      return `<value><dateTime.iso8601>${escapeXml(String(value))}</dateTime.iso8601></value>`;
    case 'set':
      return `<value><array><data>${(value as unknown[]).map((v) => valueXml(v, type.of)).join('')}</data></array></value>`;
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      return `<value><struct>${entries.map(([k, v]) => member(k, valueXml(v, type.value))).join('')}</struct></value>`;
    }
    case 'record':
      return recordXml(classOf(type.class), value as Record<string, Value>);
    case 'records': {
      const cls = classOf(type.class);
      const entries = Object.entries(value as Record<string, Record<string, Value>>);
      return `<value><struct>${entries.map(([ref, rec]) => member(ref, recordXml(cls, rec))).join('')}</struct></value>`;
    }
    case 'events':
      return `<value><array><data>${(value as WireEvent[]).map(eventXml).join('')}</data></array></value>`;
    case 'event-batch': {
      const batch = value as { events: WireEvent[]; valid_ref_counts: Record<string, number>; token: string };
      const counts = Object.entries(batch.valid_ref_counts).map(([k, n]) => member(k, valueXml(n, { kind: 'int32' })));
      return (
        '<value><struct>' +
        member('events', valueXml(batch.events, { kind: 'events' })) +
        member('valid_ref_counts', `<value><struct>${counts.join('')}</struct></value>`) +
        member('token', str(batch.token)) +
        '</struct></value>'
      );
    }
  }
}

export type { WireEvent };
