/**
 * The store as an XAPI database dump, the body of GET /pool/xmldbdump (xapi-notes §3.3), laid out
 * as XAPI's Db_xml.To writes it through Xmlm: an XML declaration line, then everything on one
 * line with no indentation, empty elements self-closed, attribute values escaping only
 * `< > & "`. Rows carry `ref`, `__ctime`, `__mtime`, then the columns in byte order (XAPI's rows
 * are string maps), `_ref` among them.
 *
 * The output is deterministic (tables in class order, rows by ref, map keys sorted) so two dumps
 * of equal stores are equal strings. Computed sets are left out, as XAPI never stores them, and
 * non-persistent tables are written empty, as XAPI does so that a restore finds every table.
 */
import type { Row, Store } from '../db/store.js';
import { isComputedSet } from '../schema/relations.js';
import type { ClassDef } from '../schema/types.js';
import { byCodeUnit, encodeValue } from './values.js';

export const SCHEMA_MAJOR_VSN = 5;
/**
 * The datamodel version we claim. XAPI compares it on restore only; the simulator's schema follows
 * recent xapi (24.x), whose datamodel_common.ml is at 5.786 as far as we know (the newest copy we
 * could read, post-Lima, had 300; every release since bumps it to the next hundred or beyond).
 */
export const SCHEMA_MINOR_VSN = 786;

/** Classes whose rows XAPI does not persist (datamodel `persist = PersistNothing`). */
const NOT_PERSISTED = new Set(['task', 'session', 'event']);

/** Xmlm's escaping of attribute values (it quotes with `"`, so `'` stays). */
export function escapeAttr(text: string): string {
  return /[<>&"]/.test(text)
    ? text.replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'))
    : text;
}

function attr(name: string, value: string): string {
  return ` ${name}="${escapeAttr(value)}"`;
}

/** A column and how a row fills it: a field, or `_ref`, a real column in XAPI's tables. */
type Column = { name: string; cell: (row: Row) => string };

/**
 * The columns of a class in byte order (XAPI's rows are string maps): every field except the
 * computed sets, under its database name, and `_ref` duplicating the ref.
 */
function columnsOf(cls: ClassDef): Column[] {
  const fields: Column[] = cls.fields
    .filter((f) => !isComputedSet(cls.name, f.name))
    .map((f): Column => ({ name: f.db ?? f.name, cell: (row) => encodeValue(row.record[f.name] ?? f.default, f.type) }));
  const ref: Column = { name: '_ref', cell: (row) => row.ref };
  return [...fields, ref].sort((a, b) => byCodeUnit(a.name, b.name));
}

function rowXml(row: Row, columns: Column[]): string {
  const head = attr('ref', row.ref) + attr('__ctime', String(row.ctime)) + attr('__mtime', String(row.mtime));
  return `<row${head}${columns.map((c) => attr(c.name, c.cell(row))).join('')}/>`;
}

function tableXml(store: Store, cls: ClassDef): string {
  const rows = NOT_PERSISTED.has(cls.name) ? [] : store.rows(cls.name).sort((a, b) => byCodeUnit(a.ref, b.ref));
  if (rows.length === 0) return `<table${attr('name', cls.name)}/>`;
  const columns = columnsOf(cls);
  return `<table${attr('name', cls.name)}>${rows.map((r) => rowXml(r, columns)).join('')}</table>`;
}

/** The whole store as XAPI's XML database dump. */
export function dumpXmlDb(store: Store): string {
  const pair = (key: string, value: number) => `<pair${attr('key', key)}${attr('value', String(value))}/>`;
  const manifest =
    '<manifest>' +
    pair('schema_major_vsn', SCHEMA_MAJOR_VSN) +
    pair('schema_minor_vsn', SCHEMA_MINOR_VSN) +
    pair('generation_count', store.generation) +
    '</manifest>';
  const tables = store.classes.map((cls) => tableXml(store, cls)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<database>${manifest}${tables}</database>`;
}
