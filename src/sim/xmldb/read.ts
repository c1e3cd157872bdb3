/**
 * Loads an XAPI database dump (GET /pool/xmldbdump, or a state.db; xapi-notes §3.3) into the
 * simulator's store, so a real pool's shape (old XenServer dumps included) can be served.
 *
 * Tables are matched to simulated classes case-insensitively, columns to fields through the
 * schema's database name (`name__label`), and every value is decoded by its field's type.
 * Unknown tables, columns and unusable values are left out; fields the old schema lacks get
 * today's defaults from the store. The computed one-to-many sets (VM.VBDs...) are never taken
 * from the file: XAPI does not store them, so they are rebuilt from the references.
 */
import sax from 'sax';
import { recordFromLoose } from '../db/coerce.js';
import { classByName } from '../schema/index.js';
import type { ClassDef } from '../schema/types.js';
import type { SimState } from '../state.js';
import { byCodeUnit, decodeValue } from './values.js';

export interface LoadResult {
  /** Rows loaded per simulated class (by the class's own name). */
  tables: Record<string, number>;
  /** Tables of the dump that the simulator does not model (their rows are skipped). */
  skippedTables: string[];
  /** Columns that match no field of their class, per class; `_ref` and the row meta are not counted. */
  skippedColumns: Record<string, string[]>;
}

interface RawRow {
  ref: string;
  attributes: Record<string, string>;
}

interface Parsed {
  manifest: Map<string, string>;
  tables: Map<string, RawRow[]>;
}

// Attributes every row has that are not fields: the ref (twice) and the generation counters.
const META = new Set(['ref', '_ref', '__ctime', '__mtime']);

/** Reads the document; accepts any layout (one line, LF, CRLF, CR, tabs, declaration or none). */
function parse(xml: string): Parsed {
  // strict: XAPI's documents are well-formed XML; normalize off: values must stay byte-exact.
  const parser = sax.parser(true, { trim: false, normalize: false });
  const manifest = new Map<string, string>();
  const tables = new Map<string, RawRow[]>();
  const stack: string[] = [];
  let table: RawRow[] | null = null;
  let sawDatabase = false;
  parser.onopentag = (node) => {
    const attrs = node.attributes as Record<string, string>;
    const parent = stack[stack.length - 1];
    stack.push(node.name);
    if (node.name === 'database' && stack.length === 1) sawDatabase = true;
    else if (node.name === 'pair' && parent === 'manifest') {
      if (attrs.key !== undefined) manifest.set(attrs.key, attrs.value ?? '');
    } else if (node.name === 'table' && parent === 'database') {
      const name = attrs.name ?? '';
      table = tables.get(name) ?? [];
      tables.set(name, table);
    } else if (node.name === 'row' && parent === 'table' && table) {
      const ref = attrs.ref ?? attrs._ref;
      if (ref) table.push({ ref, attributes: attrs });
    }
  };
  parser.onclosetag = () => {
    if (stack.pop() === 'table') table = null;
  };
  // Without a handler sax only throws an error on the *next* write, so one found by close()
  // (an unclosed tag: a truncated download) would pass silently.
  parser.onerror = (err) => {
    throw err;
  };
  try {
    parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  } catch (err) {
    throw new Error(`not an XAPI database dump: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!sawDatabase) throw new Error('not an XAPI database dump: no <database> element');
  return { manifest, tables };
}

/** A non-negative integer attribute (generation counts), or undefined. */
function counter(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Maps column names of `cls` to its fields (column = `db ?? name`). */
function columnsOf(cls: ClassDef): Map<string, ClassDef['fields'][number]> {
  return new Map(cls.fields.map((f) => [f.db ?? f.name, f]));
}

/**
 * Adds the dump's rows to `sim.store` with their original refs and generation counters, then
 * rebuilds the computed sets. Meant for a fresh store (startSimulator's `load`).
 */
export function loadXmlDb(sim: SimState, xml: string): LoadResult {
  const { store } = sim;
  const { manifest, tables } = parse(xml);
  const result: LoadResult = {
    tables: Object.fromEntries(store.classes.map((c) => [c.name, 0])),
    skippedTables: [],
    skippedColumns: {},
  };
  const before = store.generation;
  const times = new Map<string, { ctime: number; mtime: number }>();
  let next = before;

  for (const [tableName, rows] of tables) {
    const cls = classByName(tableName);
    if (!cls || !store.classes.includes(cls)) {
      result.skippedTables.push(tableName);
      continue;
    }
    const columns = columnsOf(cls);
    const unknown = new Set<string>();
    // By ref, as XAPI keeps its tables: the rebuilt computed sets then come out in ref order,
    // the same whatever order the file had, so a dump of the loaded store loads back identically.
    const sorted = [...rows].sort((a, b) => byCodeUnit(a.ref, b.ref));
    for (const row of sorted) {
      if (store.get(row.ref)) continue; // A duplicate ref: XAPI keeps one row per ref.
      const loose: Record<string, unknown> = {};
      for (const [column, text] of Object.entries(row.attributes)) {
        const field = columns.get(column);
        if (field) loose[field.name] = decodeValue(text, field.type);
        else if (!META.has(column)) unknown.add(column);
      }
      store.add(cls.name, recordFromLoose(cls, loose), row.ref);
      result.tables[cls.name] = (result.tables[cls.name] ?? 0) + 1;
      // Dumps before schema 5.63 have no counters: number those rows in load order.
      const ctime = counter(row.attributes.__ctime) ?? ++next;
      const mtime = counter(row.attributes.__mtime) ?? ctime;
      times.set(row.ref, { ctime, mtime });
    }
    if (unknown.size > 0) result.skippedColumns[cls.name] = [...unknown].sort(byCodeUnit);
  }

  store.rebuildRelations();
  // The store counted every add and relink; restore the dump's own counters instead, so that
  // load -> dump -> load keeps them. Generation 0 would hide a row from event.from(""): at least 1.
  let highest = Math.max(before, counter(manifest.get('generation_count')) ?? 0);
  for (const [ref, t] of times) {
    const row = store.get(ref)!;
    row.ctime = Math.max(1, t.ctime);
    row.mtime = Math.max(row.ctime, t.mtime);
    highest = Math.max(highest, row.mtime);
  }
  store.generation = highest;
  return result;
}
