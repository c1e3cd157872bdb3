/**
 * The accessor methods XAPI generates for every class: get_all, get_all_records, get_record,
 * get_by_uuid, get_by_name_label, get_<field>, and, where the datamodel allows them,
 * set_<field>, add_to_<map>/remove_from_<map> and add_<set>/remove_<set>.
 */
import { XapiFailure } from '../errors.js';
import type { ClassDef, FieldDef, FieldType, Value } from '../schema/types.js';
import { t } from '../schema/types.js';
import type { Registry } from './registry.js';

const refParam = (cls: ClassDef) => ({ name: 'self', type: t.ref(cls.name) });

function mapField(cls: ClassDef, field: FieldDef): { key: FieldType; value: FieldType } {
  if (field.type.kind !== 'map') throw new Error(`${cls.name}.${field.name} is not a map`);
  return { key: field.type.key, value: field.type.value };
}

function setOf(cls: ClassDef, field: FieldDef): FieldType {
  if (field.type.kind !== 'set') throw new Error(`${cls.name}.${field.name} is not a set`);
  return field.type.of;
}

function addFieldMethods(registry: Registry, cls: ClassDef, field: FieldDef): void {
  const c = cls.name;
  const f = field.name;
  registry.add({
    name: `${c}.get_${f}`,
    params: [refParam(cls)],
    returns: field.type,
    run: ({ sim }, [ref]) => sim.store.expect(c, ref).record[f],
  });
  for (const method of field.methods ?? []) {
    if (method === 'set') {
      registry.add({
        name: `${c}.set_${f}`,
        params: [refParam(cls), { name: 'value', type: field.type }],
        returns: { kind: 'void' },
        mutating: true,
        run: ({ sim }, [ref, value]) => {
          sim.store.expect(c, ref);
          sim.store.update(ref as string, { [f]: value as Value });
        },
      });
    } else if (method === 'add_to') {
      const { key, value } = mapField(cls, field);
      registry.add({
        name: `${c}.add_to_${f}`,
        params: [refParam(cls), { name: 'key', type: key }, { name: 'value', type: value }],
        returns: { kind: 'void' },
        mutating: true,
        run: ({ sim }, [ref, k, v]) => {
          const row = sim.store.expect(c, ref);
          const map = row.record[f] as Record<string, Value>;
          if (Object.hasOwn(map, String(k))) {
            throw new XapiFailure('MAP_DUPLICATE_KEY', [c, f, String(row.record.uuid), String(k)]);
          }
          sim.store.update(row.ref, { [f]: { ...map, [String(k)]: v as Value } });
        },
      });
    } else if (method === 'remove_from') {
      const { key } = mapField(cls, field);
      registry.add({
        name: `${c}.remove_from_${f}`,
        params: [refParam(cls), { name: 'key', type: key }],
        returns: { kind: 'void' },
        mutating: true,
        run: ({ sim }, [ref, k]) => {
          const row = sim.store.expect(c, ref);
          const map = { ...(row.record[f] as Record<string, Value>) };
          delete map[String(k)];
          sim.store.update(row.ref, { [f]: map });
        },
      });
    } else if (method === 'add') {
      registry.add({
        name: `${c}.add_${f}`,
        params: [refParam(cls), { name: 'value', type: setOf(cls, field) }],
        returns: { kind: 'void' },
        mutating: true,
        run: ({ sim }, [ref, v]) => {
          const row = sim.store.expect(c, ref);
          const set = row.record[f] as Value[];
          if (!set.includes(v as Value)) sim.store.update(row.ref, { [f]: [...set, v as Value] });
        },
      });
    } else if (method === 'remove') {
      registry.add({
        name: `${c}.remove_${f}`,
        params: [refParam(cls), { name: 'value', type: setOf(cls, field) }],
        returns: { kind: 'void' },
        mutating: true,
        run: ({ sim }, [ref, v]) => {
          const row = sim.store.expect(c, ref);
          sim.store.update(row.ref, { [f]: (row.record[f] as Value[]).filter((x) => x !== v) });
        },
      });
    }
  }
}

export function addGenericMethods(registry: Registry, cls: ClassDef): void {
  const c = cls.name;
  registry.add({
    name: `${c}.get_all`,
    params: [],
    returns: t.set(t.ref(c)),
    run: ({ sim }) => sim.store.rows(c).map((r) => r.ref),
  });
  registry.add({
    name: `${c}.get_all_records`,
    params: [],
    returns: { kind: 'records', class: c },
    run: ({ sim }) => Object.fromEntries(sim.store.rows(c).map((r) => [r.ref, r.record])),
  });
  registry.add({
    name: `${c}.get_record`,
    params: [refParam(cls)],
    returns: { kind: 'record', class: c },
    run: ({ sim }, [ref]) => sim.store.expect(c, ref).record,
  });
  registry.add({
    name: `${c}.get_by_uuid`,
    params: [{ name: 'uuid', type: t.string }],
    returns: t.ref(c),
    run: ({ sim }, [uuid]) => {
      const row = sim.store.byUuid(c, uuid as string);
      if (!row) throw new XapiFailure('UUID_INVALID', [c, String(uuid)]);
      return row.ref;
    },
  });
  if (cls.fields.some((f) => f.name === 'name_label')) {
    registry.add({
      name: `${c}.get_by_name_label`,
      params: [{ name: 'label', type: t.string }],
      returns: t.set(t.ref(c)),
      run: ({ sim }, [label]) => sim.store.rows(c).filter((r) => r.record.name_label === label).map((r) => r.ref),
    });
  }
  for (const field of cls.fields) addFieldMethods(registry, cls, field);
}
