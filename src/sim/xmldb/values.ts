/**
 * One attribute value of XAPI's XML database (xapi-notes §3.3), in both directions. XAPI stores
 * every field as a string: scalars as their text, sets and maps as S-expressions, and then hides
 * whitespace behind `%` escapes, because XML parsers normalise whitespace in attribute values.
 * The layers, outermost first:
 *
 *   attribute text --unprotect--> S-expression or scalar text --parse--> strings --schema--> value
 *
 * Sources (xapi-project/xen-api): ocaml/database/xml_spaces.ml (the `%` escapes),
 * ocaml/libs/sexpr/sExpr.ml and sExprLexer.mll (quoting), ocaml/database/string_marshall_helper.ml
 * (sets are `('a' 'b')`, maps `(('k' 'v'))`). Whether a text is a set, a map or a scalar is decided
 * by the field's type only: a string field may well hold S-expression-looking text
 * (VM.last_booted_record does).
 */
import type { FieldType, Value } from '../schema/types.js';

// ---- whitespace protection (Xml_spaces) ----

const PROTECT: Record<string, string> = { ' ': '%.', '\t': '%t', '\n': '%n', '\r': '%r', '%': '%%' };
// "%_" is the pre-CA-268761 escape for two spaces; XAPI still reads it, old dumps are full of it.
const UNPROTECT: Record<string, string> = { _: '  ', '.': ' ', t: '\t', n: '\n', r: '\r', '%': '%' };

/** Escapes whitespace and `%` the way current XAPI writes them: every space becomes `%.`. */
export function protect(text: string): string {
  return text.replace(/[ \t\n\r%]/g, (c) => PROTECT[c]!);
}

/**
 * Undoes `protect`, and the old form (`%_` = two spaces, single spaces literal). Like XAPI, a `%`
 * before any other character, or at the end, stays as it is; the scan is left to right, so
 * "%%." is "%." and not "% ".
 */
export function unprotect(text: string): string {
  return text.includes('%') ? text.replace(/%([_.tnr%])/g, (_, c: string) => UNPROTECT[c]!) : text;
}

// ---- S-expressions (SExpr) ----

/** A parsed S-expression: a string atom or a list. */
export type SExpr = string | SExpr[];

/**
 * XAPI's quoting inside a '...' atom: a backslash before each `\`, `'` and `"` (SExpr.escape);
 * nothing else is escaped, so spaces, parentheses and newlines stay as they are.
 */
export function quoteAtom(text: string): string {
  return `'${text.replace(/[\\'"]/g, (c) => `\\${c}`)}'`;
}

/** SExpr.string_of: atoms quoted, list items separated by one space, no other whitespace. */
export function printSExpr(x: SExpr): string {
  return typeof x === 'string' ? quoteAtom(x) : `(${x.map(printSExpr).join(' ')})`;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const SYMBOL_END = new Set([' ', '\t', '\r', '\n', '(', ')', '"', "'"]);

/**
 * Parses one S-expression as XAPI's lexer does: atoms in '...' or "..." in which a backslash takes
 * the next character literally (SExpr.unescape: `\n` is "n", not a newline), bare symbols, `;`
 * comments to the end of the line. Throws on unbalanced or trailing input.
 */
export function parseSExpr(text: string): SExpr {
  let i = 0;
  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c !== undefined && WHITESPACE.has(c)) i++;
      else if (c === ';') {
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? text.length : eol + 1;
      } else return;
    }
  };
  const atom = (quote: string): string => {
    let out = '';
    for (i++; i < text.length; i++) {
      const c = text[i]!;
      if (c === quote) {
        i++;
        return out;
      }
      if (c === '\\') {
        i++;
        if (i >= text.length) break;
        out += text[i];
      } else out += c;
    }
    throw new SyntaxError(`unterminated string in S-expression: ${text.slice(0, 80)}`);
  };
  const expr = (): SExpr => {
    skip();
    const c = text[i];
    if (c === undefined) throw new SyntaxError('unexpected end of S-expression');
    if (c === '(') {
      i++;
      const items: SExpr[] = [];
      for (;;) {
        skip();
        if (text[i] === ')') {
          i++;
          return items;
        }
        if (i >= text.length) throw new SyntaxError(`unbalanced S-expression: ${text.slice(0, 80)}`);
        items.push(expr());
      }
    }
    if (c === ')') throw new SyntaxError(`unexpected ')' in S-expression: ${text.slice(0, 80)}`);
    if (c === "'" || c === '"') return atom(c);
    const start = i;
    while (i < text.length && !SYMBOL_END.has(text[i]!)) i++;
    return text.slice(start, i);
  };
  const result = expr();
  skip();
  if (i < text.length) throw new SyntaxError(`trailing text after S-expression: ${text.slice(i, i + 80)}`);
  return result;
}

/** A set's items, or undefined when the text is not a list of atoms. */
export function parseSet(text: string): string[] | undefined {
  const x = parseSExpr(text);
  return Array.isArray(x) && x.every((item) => typeof item === 'string') ? (x as string[]) : undefined;
}

/** A map's pairs in file order, or undefined when the text is not a list of 2-atom lists. */
export function parsePairs(text: string): [string, string][] | undefined {
  const x = parseSExpr(text);
  if (!Array.isArray(x)) return undefined;
  const pairs: [string, string][] = [];
  for (const item of x) {
    if (!Array.isArray(item) || item.length !== 2) return undefined;
    const [k, v] = item;
    if (typeof k !== 'string' || typeof v !== 'string') return undefined;
    pairs.push([k, v]);
  }
  return pairs;
}

// ---- typed values ----

/** Byte-order comparison (XAPI's OCaml maps order keys so; localeCompare would not). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The database text of a value before protection. Set items and map values are themselves
 * database texts, so a `(int -> string set) map` nests an S-expression inside an atom, as XAPI
 * marshals it. Map keys are written sorted, as current XAPI (a string map) does.
 */
export function toDbString(value: Value, type: FieldType): string {
  switch (type.kind) {
    case 'set':
      return printSExpr((value as Value[]).map((item) => toDbString(item, type.of)));
    case 'map': {
      const entries = Object.entries(value as Record<string, Value>).sort(([a], [b]) => byCodeUnit(a, b));
      return printSExpr(entries.map(([k, v]) => [k, toDbString(v, type.value)]));
    }
    case 'bool':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}

/**
 * Loosely typed data from database text (strings, arrays, objects), for `recordFromLoose` to
 * type; undefined when a set or map does not parse, so the field keeps its default.
 */
export function fromDbString(text: string, type: FieldType): unknown {
  try {
    switch (type.kind) {
      case 'set': {
        const items = parseSet(text);
        return items?.map((item) => fromDbString(item, type.of));
      }
      case 'map': {
        const pairs = parsePairs(text);
        // fromEntries defines own properties, so a "__proto__" key stays a key.
        return pairs && Object.fromEntries(pairs.map(([k, v]) => [k, fromDbString(v, type.value)]));
      }
      default:
        return text;
    }
  } catch {
    return undefined;
  }
}

/** The attribute text of a value, before XML escaping. */
export function encodeValue(value: Value, type: FieldType): string {
  return protect(toDbString(value, type));
}

/** The loose value of an attribute text (already XML-unescaped by the parser). */
export function decodeValue(text: string, type: FieldType): unknown {
  return fromDbString(unprotect(text), type);
}
