import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLASSES, classByName, completeRecord, defaultRecord, fieldOf, isValidValue,
} from '../../src/sim/schema/index.js';
import { EPOCH, NULL_REF, t, type FieldType } from '../../src/sim/schema/types.js';

/**
 * Classes that fields may reference but the simulator does not model (yet). Spelled as XAPI
 * spells them, so a typo in a class table ("Vdi", "host_CPU") fails the reference test.
 */
const OTHER_XAPI_CLASSES = [
  'blob', 'Bond', 'Certificate', 'crashdump', 'DR_task', 'Feature', 'host_cpu', 'host_crashdump',
  'host_patch', 'network_sriov', 'PCI', 'PGPU', 'PIF_metrics', 'pool_update', 'PUSB', 'Repository',
  'Secret', 'tunnel', 'VBD_metrics', 'VGPU', 'VIF_metrics', 'VLAN', 'VM_appliance', 'VM_group',
  'VMPP', 'VMSS', 'VTPM', 'VUSB',
];

/**
 * Columns of the XenServer 6.0 (state1.xml) and 6.1 "Tampa" dumps that a current get_record does
 * not return. Each entry must still occur in a dump and must not be a schema column, so the list
 * cannot silently hide a field the schema lost.
 */
const removedSince6x: Record<string, readonly string[]> = {
  // Removed from the datamodel: free memory at boot was superseded by host_metrics.
  host: ['boot_free_mem'],
  // "reserved pending a reboot/migrate" flags, dropped from the API after XenServer 6.
  VBD: ['reserved'],
  VIF: ['reserved'],
  // Not removed but internal-only: xapi keeps these columns in its database and never puts them in
  // a record sent to clients (the WLB password, the VNC port, the kernel's name for a NIC, a
  // storage-manager hint), so a get_record must not show them either.
  pool: ['wlb_password'],
  console: ['port'],
  PIF: ['device_name'],
  SR: ['default_vdi_visibility'],
};

const DUMPS = ['state1.xml', 'tampa_poolofone_40.xml'].map((name) => ({
  name,
  xml: readFileSync(fileURLToPath(new URL(`../fixtures/xapi-db/${name}`, import.meta.url)), 'utf8'),
}));

const BOOKKEEPING_COLUMNS = new Set(['ref', '_ref', '__ctime', '__mtime']);

/** Column names per table, from the attribute names of every row. */
function tableColumns(xml: string): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  for (const table of xml.matchAll(/<table name="([^"]+)"\s*>([\s\S]*?)<\/table>/g)) {
    const columns = new Set<string>();
    for (const row of (table[2] ?? '').matchAll(/<row\b([^>]*?)\/?>/g)) {
      for (const attr of (row[1] ?? '').matchAll(/([A-Za-z0-9_]+)="/g)) columns.add(attr[1] ?? '');
    }
    tables.set(table[1] ?? '', columns);
  }
  return tables;
}

function* refClasses(type: FieldType): Generator<string> {
  if (type.kind === 'ref') yield type.class;
  if (type.kind === 'set') yield* refClasses(type.of);
  if (type.kind === 'map') {
    yield* refClasses(type.key);
    yield* refClasses(type.value);
  }
}

function dbColumns(className: string): Set<string> {
  const cls = classByName(className);
  return new Set((cls?.fields ?? []).map((f) => f.db ?? f.name));
}

describe('class tables', () => {
  it('has the fifteen simulated classes with XAPI casing', () => {
    expect(CLASSES.map((c) => c.name).sort()).toEqual(
      [
        'pool', 'host', 'host_metrics', 'SR', 'PBD', 'PIF', 'network', 'VM', 'VM_metrics',
        'VM_guest_metrics', 'VBD', 'VDI', 'VIF', 'console', 'task',
      ].sort(),
    );
  });

  for (const cls of CLASSES) {
    describe(cls.name, () => {
      it('starts with uuid, a string', () => {
        expect(cls.fields[0]?.name).toBe('uuid');
        expect(fieldOf(cls, 'uuid')?.type).toEqual(t.string);
      });

      it('has no duplicate wire names or database columns', () => {
        const names = cls.fields.map((f) => f.name);
        const columns = cls.fields.map((f) => f.db ?? f.name);
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
        expect(columns.filter((n, i) => columns.indexOf(n) !== i)).toEqual([]);
      });

      it('has defaults valid for their types', () => {
        for (const f of cls.fields) {
          expect(isValidValue(f.type, f.default), `${cls.name}.${f.name}`).toBe(true);
          if (f.type.kind === 'enum') expect(f.type.values, `${cls.name}.${f.name}`).toContain(f.default);
        }
      });

      it('has no empty or duplicated enum values', () => {
        for (const f of cls.fields) {
          for (const type of [f.type, f.type.kind === 'set' ? f.type.of : f.type]) {
            if (type.kind !== 'enum') continue;
            expect(type.values.length, `${cls.name}.${f.name}`).toBeGreaterThan(0);
            expect(new Set(type.values).size, `${cls.name}.${f.name}`).toBe(type.values.length);
          }
        }
      });

      it('references only known classes', () => {
        const known = new Set([...CLASSES.map((c) => c.name), ...OTHER_XAPI_CLASSES]);
        for (const f of cls.fields) {
          for (const target of refClasses(f.type)) {
            expect(known.has(target), `${cls.name}.${f.name} -> ${target}`).toBe(true);
          }
        }
      });

      it('offers accessors that fit the field type', () => {
        for (const f of cls.fields) {
          const where = `${cls.name}.${f.name}`;
          for (const m of f.methods ?? []) {
            if (m === 'add_to' || m === 'remove_from') expect(f.type.kind, where).toBe('map');
            if (m === 'add' || m === 'remove') expect(f.type.kind, where).toBe('set');
          }
          expect(new Set(f.methods ?? []).size, where).toBe((f.methods ?? []).length);
        }
      });

      it('names database columns by doubling one underscore of the wire name', () => {
        for (const f of cls.fields) {
          if (f.db === undefined) continue;
          const i = f.db.indexOf('__');
          expect(i, `${cls.name}.${f.name}`).toBeGreaterThan(0);
          expect(f.db.slice(0, i) + '_' + f.db.slice(i + 2), `${cls.name}.${f.name}`).toBe(f.name);
        }
      });
    });
  }

  it('marks the namespaced fields of the main classes', () => {
    expect(fieldOf(classByName('VM')!, 'memory_static_max')?.db).toBe('memory__static_max');
    expect(fieldOf(classByName('VM')!, 'HVM_boot_policy')?.db).toBe('HVM__boot_policy');
    expect(fieldOf(classByName('VM')!, 'actions_after_softreboot')?.db).toBe('actions__after_softreboot');
    expect(fieldOf(classByName('VDI')!, 'name_label')?.db).toBe('name__label');
    // pool is the exception: its name fields are not a namespace.
    expect(fieldOf(classByName('pool')!, 'name_label')?.db).toBeUndefined();
  });

  it('types the fields whose encoding matters on the wire', () => {
    const vm = classByName('VM')!;
    const metrics = classByName('VM_metrics')!;
    expect(fieldOf(vm, 'power_state')?.type).toEqual(t.enum('Halted', 'Paused', 'Running', 'Suspended'));
    expect(fieldOf(vm, 'VCPUs_max')?.type).toEqual(t.int);
    expect(fieldOf(vm, 'HVM_shadow_multiplier')?.type).toEqual(t.float);
    expect(fieldOf(vm, 'snapshot_time')?.type).toEqual(t.datetime);
    expect(fieldOf(metrics, 'VCPUs_utilisation')?.type).toEqual(t.map(t.int, t.float));
    expect(fieldOf(classByName('task')!, 'status')?.default).toBe('pending');
    expect(fieldOf(classByName('VBD')!, 'mode')?.methods).toEqual(['set']);
    expect(fieldOf(vm, 'tags')?.methods).toEqual(['set', 'add', 'remove']);
    expect(fieldOf(vm, 'other_config')?.methods).toEqual(['set', 'add_to', 'remove_from']);
    expect(fieldOf(vm, 'power_state')?.methods).toBeUndefined();
  });
});

describe('XML database dumps', () => {
  const dumps = DUMPS.map((d) => ({ ...d, tables: tableColumns(d.xml) }));

  it('parses the dumps', () => {
    for (const d of dumps) {
      expect(d.tables.get('VM')?.has('name__label'), d.name).toBe(true);
      expect(d.tables.get('pool')?.has('name_label'), d.name).toBe(true);
    }
  });

  for (const cls of CLASSES) {
    it(`maps every ${cls.name} column to a field`, () => {
      const schema = dbColumns(cls.name);
      const removed = new Set(removedSince6x[cls.name] ?? []);
      const unknown: string[] = [];
      for (const d of dumps) {
        for (const column of d.tables.get(cls.name) ?? []) {
          if (BOOKKEEPING_COLUMNS.has(column) || schema.has(column) || removed.has(column)) continue;
          unknown.push(`${d.name}: ${column}`);
        }
      }
      expect(unknown).toEqual([]);
    });
  }

  it('finds the tables of every persistent class in the newer dump', () => {
    const tampa = dumps[1]!.tables;
    for (const cls of CLASSES) {
      // Tasks live only in memory, so no dump has a task table.
      if (cls.name === 'task') continue;
      expect(tampa.has(cls.name), cls.name).toBe(true);
    }
  });

  it('keeps the removed-field allowlist honest', () => {
    for (const [className, columns] of Object.entries(removedSince6x)) {
      const schema = dbColumns(className);
      for (const column of columns) {
        expect(schema.has(column), `${className}.${column} is in the schema`).toBe(false);
        const seen = dumps.some((d) => d.tables.get(className)?.has(column));
        expect(seen, `${className}.${column} is in no dump`).toBe(true);
      }
    }
  });
});

describe('lookups', () => {
  it('finds classes case-insensitively', () => {
    expect(classByName('vm')?.name).toBe('VM');
    expect(classByName('Vm')?.name).toBe('VM');
    expect(classByName('POOL')?.name).toBe('pool');
    expect(classByName('vm_guest_metrics')?.name).toBe('VM_guest_metrics');
    expect(classByName('nope')).toBeUndefined();
  });

  it('finds fields case-sensitively', () => {
    const vm = classByName('VM')!;
    expect(fieldOf(vm, 'VCPUs_max')?.name).toBe('VCPUs_max');
    expect(fieldOf(vm, 'vcpus_max')).toBeUndefined();
  });
});

describe('isValidValue', () => {
  it('checks scalars', () => {
    expect(isValidValue(t.int, 3)).toBe(true);
    expect(isValidValue(t.int, 3.5)).toBe(false);
    expect(isValidValue(t.int, '3')).toBe(false);
    expect(isValidValue(t.float, 0.25)).toBe(true);
    expect(isValidValue(t.bool, 'true')).toBe(false);
    expect(isValidValue(t.datetime, EPOCH)).toBe(true);
    expect(isValidValue(t.datetime, '2024-01-01T00:00:00Z')).toBe(false);
    expect(isValidValue(t.ref('VM'), NULL_REF)).toBe(true);
    expect(isValidValue(t.ref('VM'), 'vm-1')).toBe(false);
    expect(isValidValue(t.enum('RO', 'RW'), 'rw')).toBe(false);
  });

  it('checks sets and maps, including their keys', () => {
    expect(isValidValue(t.set(t.string), ['a', 'b'])).toBe(true);
    expect(isValidValue(t.set(t.string), ['a', 1])).toBe(false);
    expect(isValidValue(t.map(t.int, t.float), { '0': 0.5, '1': 1 })).toBe(true);
    expect(isValidValue(t.map(t.int, t.float), { cpu0: 0.5 })).toBe(false);
    expect(isValidValue(t.map(t.string, t.string), ['a'])).toBe(false);
    expect(isValidValue(t.map(t.string, t.string), null)).toBe(false);
    expect(isValidValue(t.map(t.enum('start'), t.string), { start: 'blocked' })).toBe(true);
    expect(isValidValue(t.map(t.enum('start'), t.string), { stop: 'blocked' })).toBe(false);
    expect(isValidValue(t.map(t.int, t.set(t.string)), { '0': ['running'] })).toBe(true);
  });
});

describe('records', () => {
  it('builds a default record with every field, as a fresh copy', () => {
    const vm = classByName('VM')!;
    const a = defaultRecord(vm);
    expect(Object.keys(a)).toEqual(vm.fields.map((f) => f.name));
    expect(a['power_state']).toBe('Halted');
    (a['other_config'] as Record<string, string>)['x'] = 'y';
    (a['tags'] as string[]).push('t');
    const b = defaultRecord(vm);
    expect(b['other_config']).toEqual({});
    expect(b['tags']).toEqual([]);
    expect(fieldOf(vm, 'tags')?.default).toEqual([]);
  });

  it('completes a partial record in datamodel order', () => {
    const vdi = classByName('VDI')!;
    const given = { name_label: 'disk', virtual_size: 1024, tags: ['a'] };
    const record = completeRecord(vdi, given);
    expect(Object.keys(record)).toEqual(vdi.fields.map((f) => f.name));
    expect(record['name_label']).toBe('disk');
    expect(record['type']).toBe('user');
    expect(record['SR']).toBe(NULL_REF);
    given.tags.push('b');
    expect(record['tags']).toEqual(['a']);
  });

  it('treats undefined as missing', () => {
    const record = completeRecord(classByName('VBD')!, { mode: undefined });
    expect(record['mode']).toBe('RW');
  });

  it('rejects unknown fields, naming the class and field', () => {
    expect(() => completeRecord(classByName('VM')!, { name: 'x' })).toThrow(/VM.*'name'/);
  });

  it('rejects values of the wrong type, naming the class and field', () => {
    expect(() => completeRecord(classByName('VM')!, { VCPUs_max: '2' })).toThrow(/VM\.VCPUs_max/);
    expect(() => completeRecord(classByName('VBD')!, { mode: 'rw' })).toThrow(/VBD\.mode/);
    expect(() => completeRecord(classByName('VM_metrics')!, { VCPUs_utilisation: { x: 1 } })).toThrow(
      /VM_metrics\.VCPUs_utilisation/,
    );
  });
});
