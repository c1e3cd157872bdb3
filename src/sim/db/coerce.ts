/**
 * Values that arrive untyped (ova.xml, where ints are strings; the XML database, where
 * everything is a string) turned into the store's typed values by the class schema. Unknown
 * fields are dropped and unusable values fall back to the field's default: old exports carry
 * fields and enum values that today's datamodel no longer has.
 */
import type { ClassDef, FieldType, Value } from '../schema/types.js';
import { isValidValue } from '../schema/index.js';
import { xapiDateTime } from '../time.js';

export function coerceValue(raw: unknown, type: FieldType): Value | undefined {
  switch (type.kind) {
    case 'int':
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? (type.kind === 'int' ? Math.trunc(n) : n) : undefined;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return undefined;
    case 'datetime':
      if (raw instanceof Date) return xapiDateTime(raw);
      return typeof raw === 'string' ? raw : undefined;
    case 'string':
    case 'ref':
      return typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
    case 'enum':
      return typeof raw === 'string' && type.values.includes(raw) ? raw : undefined;
    case 'set': {
      if (!Array.isArray(raw)) return undefined;
      const items = raw.map((item) => coerceValue(item, type.of));
      return items.filter((v): v is Value => v !== undefined);
    }
    case 'map': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(raw)) {
        const value = coerceValue(v, type.value);
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
  }
}

/** A record for `cls` from loosely typed data: known fields only, each valid for its type. */
export function recordFromLoose(cls: ClassDef, data: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const field of cls.fields) {
    if (!(field.name in data)) continue;
    const value = coerceValue(data[field.name], field.type);
    if (value !== undefined && isValidValue(field.type, value)) out[field.name] = value;
  }
  return out;
}
