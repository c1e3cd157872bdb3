import fc from 'fast-check';
import sax from 'sax';
import { describe, expect, it } from 'vitest';
import { t, type FieldType, type Value } from '../../src/sim/schema/types.js';
import {
  decodeValue, encodeValue, parseSExpr, printSExpr, protect, quoteAtom, unprotect,
} from '../../src/sim/xmldb/values.js';
import { escapeAttr } from '../../src/sim/xmldb/write.js';

const stringSet = t.set(t.string);
const stringMap = t.map(t.string, t.string);
// VM_metrics.VCPUs_flags: a set nested inside a map value.
const setMap = t.map(t.int, stringSet);

describe('whitespace escapes', () => {
  it.each([
    ['%.', ' '],
    ['%_', '  '], // old XAPI: two spaces
    ['a%_%_b', 'a    b'],
    ['%t', '\t'],
    ['%n', '\n'],
    ['%r', '\r'],
    ['%%', '%'],
    ['%%.', '%.'], // left to right: "%%" first
    ['50%', '50%'], // trailing "%" stays
    ['%x%', '%x%'], // unknown escape stays
    ['Iscsi Box', 'Iscsi Box'], // old dumps keep single spaces literal
    ['CPU%_%_%_%_%_6420%_@ 2.13GHz', 'CPU          6420  @ 2.13GHz'],
  ])('unprotect %j = %j', (text, plain) => {
    expect(unprotect(text)).toBe(plain);
  });

  it('protects every space, tab, newline, CR and % as current XAPI does', () => {
    expect(protect('a b\tc\nd\re%f  g')).toBe('a%.b%tc%nd%re%%f%.%.g');
    expect(protect('plain')).toBe('plain');
  });
});

describe('S-expressions', () => {
  it.each<[string, string]>([
    ["it's", "'it\\'s'"],
    ['a\\b', "'a\\\\b'"],
    ['say "hi"', "'say \\\"hi\\\"'"],
    ['(x y)\n', "'(x y)\n'"], // nothing else is escaped
    ['', "''"],
  ])('quotes %j as %j', (text, quoted) => {
    expect(quoteAtom(text)).toBe(quoted);
    expect(parseSExpr(quoted)).toBe(text);
  });

  it('prints sets and maps as XAPI does', () => {
    expect(printSExpr([])).toBe('()');
    expect(printSExpr(['a', 'b'])).toBe("('a' 'b')");
    expect(printSExpr([['k', 'v'], ['k2', 'v2']])).toBe("(('k' 'v') ('k2' 'v2'))");
  });

  it.each<[string, unknown]>([
    ["('a' 'b')", ['a', 'b']],
    ['()', []],
    ["( 'a'\t'b'\r\n)", ['a', 'b']],
    ['("x y" \'z\')', ['x y', 'z']],
    ["('a\\nb')", ['anb']], // a backslash takes the next character literally
    ["(('k' 'v') ('k2' ''))", [['k', 'v'], ['k2', '']]],
    ["(a b) ; comment", ['a', 'b']],
    ["(('struct' ('uuid' 'x')))", [['struct', ['uuid', 'x']]]],
  ])('parses %j', (text, parsed) => {
    expect(parseSExpr(text)).toEqual(parsed);
  });

  it.each(["('a'", '(', "'a", '())', ''])('rejects %j', (text) => {
    expect(() => parseSExpr(text)).toThrow(SyntaxError);
  });
});

describe('typed values', () => {
  it.each<[Value, FieldType, string]>([
    ['Iscsi Box', t.string, 'Iscsi%.Box'],
    [true, t.bool, 'true'],
    [-1, t.int, '-1'],
    [0.25, t.float, '0.25'],
    [['a b', "it's"], stringSet, "('a%.b'%.'it\\'s')"],
    [{ z: '1', a: 'x y' }, stringMap, "(('a'%.'x%.y')%.('z'%.'1'))"], // keys sorted
    [{ '0': ['fpu', 'de'] }, setMap, "(('0'%.'(\\'fpu\\'%.\\'de\\')'))"],
    [[], stringSet, '()'],
  ])('encodes %j', (value, type, text) => {
    expect(encodeValue(value, type)).toBe(text);
  });

  it('decodes by the field type, old escapes included', () => {
    expect(decodeValue("(('modelname' 'CPU%_%_ X3450%_@ 2.67GHz'))", stringMap)).toEqual({ modelname: 'CPU     X3450  @ 2.67GHz' });
    expect(decodeValue("('forget' 'plug')", t.set(t.string))).toEqual(['forget', 'plug']);
    // A string field keeps S-expression-looking text as it is (VM.last_booted_record).
    expect(decodeValue("('struct' ('uuid' 'x'))", t.string)).toBe("('struct' ('uuid' 'x'))");
    // A nested set travels as a quoted atom; a bare inner list is not a map, for XAPI neither.
    expect(decodeValue("(('0' '(\\'fpu\\')'))", setMap)).toEqual({ '0': ['fpu'] });
    expect(decodeValue("(('0' ('fpu' 'de')))", setMap)).toBeUndefined();
    // Unusable texts give undefined, so the field keeps its default.
    expect(decodeValue('not a set', stringSet)).toBeUndefined();
    expect(decodeValue("(('k'))", stringMap)).toBeUndefined();
    expect(decodeValue('', stringSet)).toBeUndefined();
  });
});

// Strings dense in the characters that need care, and arbitrary UTF-16.
const tricky = fc.string({ unit: fc.constantFrom("'", '"', '\\', '(', ')', ' ', '  ', '\t', '\n', '\r', '%', '%_', '%.', ';', '_', '.', 'a', '<', '&', 'é') });
const anyString = fc.oneof(tricky, fc.string({ unit: 'binary' }));

function viaXml(attribute: string): string {
  const parser = sax.parser(true, { trim: false, normalize: false });
  let value: string | undefined;
  parser.onopentag = (node) => {
    value = (node.attributes as Record<string, string>).v;
  };
  parser.write(`<a v="${escapeAttr(attribute)}"/>`).close();
  return value!;
}

describe('round trips (fast-check)', () => {
  it('strings: decode(encode(s)) = s, with no raw whitespace left for XML to normalise', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const encoded = encodeValue(s, t.string);
        expect(encoded).not.toMatch(/[ \t\n\r]/);
        expect(decodeValue(encoded, t.string)).toBe(s);
        expect(unprotect(protect(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('S-expression atoms: parse(quote(s)) = s', () => {
    fc.assert(fc.property(anyString, (s) => parseSExpr(quoteAtom(s)) === s), { numRuns: 500 });
  });

  it('sets', () => {
    fc.assert(
      fc.property(fc.array(anyString), (items) => {
        expect(decodeValue(encodeValue(items, stringSet), stringSet)).toEqual(items);
      }),
      { numRuns: 300 },
    );
  });

  it('maps, including sets nested in map values', () => {
    const entries = fc.uniqueArray(fc.tuple(anyString, anyString), { selector: ([k]) => k });
    fc.assert(
      fc.property(entries, (pairs) => {
        const map = Object.fromEntries(pairs);
        expect(decodeValue(encodeValue(map, stringMap), stringMap)).toEqual(map);
      }),
      { numRuns: 300 },
    );
    const nested = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 64 }).map(String), fc.array(anyString)), { selector: ([k]) => k });
    fc.assert(
      fc.property(nested, (pairs) => {
        const map = Object.fromEntries(pairs);
        expect(decodeValue(encodeValue(map, setMap), setMap)).toEqual(map);
      }),
      { numRuns: 200 },
    );
  });

  it('through a real XML attribute (escaping, sax, no normalisation)', () => {
    fc.assert(
      fc.property(fc.array(anyString), (items) => {
        expect(decodeValue(viaXml(encodeValue(items, stringSet)), stringSet)).toEqual(items);
      }),
      { numRuns: 300 },
    );
  });
});
