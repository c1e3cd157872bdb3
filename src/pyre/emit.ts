/**
 * Turns a checked Python 2.7 parse tree into JavaScript regex source that accepts exactly the same
 * mapped byte strings (bytes.ts) under `re.match` semantics.
 *
 * Everything is spelled out instead of relying on JS meanings that differ from Python's:
 * - character classes become explicit sets of code units;
 * - `.` becomes "anything but \n" (JS `.` also refuses \r);
 * - `$` becomes "end, or before a final \n";
 * - MULTILINE anchors become lookarounds on \n only.
 * The `i` flag is used for IGNORECASE: on our alphabet JS folds exactly the ASCII letters, as
 * Python 2 does on byte strings.
 */
import type { Alternation, AtKind, Category, ClassItem, Flags, Node, ParsedPattern } from './ast.js';
import { UNBOUNDED } from './ast.js';
import { byteUnit } from './bytes.js';

function isCategory(category: Category, b: number): boolean {
  const digit = b >= 0x30 && b <= 0x39;
  const space = b === 0x20 || (b >= 0x09 && b <= 0x0d);
  const word = digit || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
  switch (category) {
    case 'digit':
      return digit;
    case 'not-digit':
      return !digit;
    case 'space':
      return space;
    case 'not-space':
      return !space;
    case 'word':
      return word;
    case 'not-word':
      return !word;
  }
}

function asciiLower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

/**
 * The bytes a class accepts. Under IGNORECASE Python lower-cases the class's literals and range
 * ends when compiling, and the subject byte when matching; we apply the same rule byte by byte.
 */
export function classBytes(items: ClassItem[], negate: boolean, ignoreCase: boolean): boolean[] {
  const fix = ignoreCase ? asciiLower : (b: number) => b;
  const contains = (x: number): boolean =>
    items.some((item) => {
      if (item.kind === 'literal') return fix(item.byte) === x;
      if (item.kind === 'range') return fix(item.lo) <= x && x <= fix(item.hi);
      return isCategory(item.category, x);
    });
  const out: boolean[] = [];
  for (let b = 0; b < 256; b++) out.push(negate !== contains(fix(b)));
  return out;
}

function unitSource(unit: number): string {
  if ((unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5a) || (unit >= 0x61 && unit <= 0x7a)) {
    return String.fromCharCode(unit);
  }
  return '\\u' + unit.toString(16).padStart(4, '0');
}

function setSource(bytes: boolean[]): string {
  const count = bytes.filter(Boolean).length;
  if (count === 256) return '[\\s\\S]';
  if (count === 0) return '[^\\s\\S]';
  let out = '';
  let b = 0;
  while (b < 256) {
    if (!bytes[b]) {
      b++;
      continue;
    }
    // A run may not cross 0x80: the bytes on either side map to distant code units.
    let end = b;
    while (end + 1 < 256 && bytes[end + 1] && end + 1 !== 0x80) end++;
    out += end === b ? unitSource(byteUnit(b)) : `${unitSource(byteUnit(b))}-${unitSource(byteUnit(end))}`;
    b = end + 1;
  }
  return `[${out}]`;
}

function atSource(where: AtKind, flags: Flags): string {
  switch (where) {
    case 'beginning':
      return flags.multiline ? '(?:^|(?<=\\n))' : '^';
    case 'end':
      return flags.multiline ? '(?=\\n|$)' : '(?=\\n?$)';
    case 'beginning-string':
      return '^';
    case 'end-string':
      return '$';
    case 'boundary':
      return '\\b';
    case 'non-boundary':
      // sre never matches \b or \B inside an empty subject; JS \B does. Require a character
      // on either side.
      return '(?:(?<=[\\s\\S])|(?=[\\s\\S]))\\B';
  }
}

function quantifier(min: number, max: number): string {
  if (max === UNBOUNDED) return min === 0 ? '*' : min === 1 ? '+' : `{${min},}`;
  if (min === 0 && max === 1) return '?';
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

function nodeSource(node: Node, flags: Flags): string {
  switch (node.type) {
    case 'literal':
      return unitSource(byteUnit(node.byte));
    case 'any':
      return flags.dotAll ? '[\\s\\S]' : '[^\\n]';
    case 'set':
      return setSource(classBytes(node.items, node.negate, flags.ignoreCase));
    case 'at':
      return atSource(node.where, flags);
    case 'backref':
      // Wrapped so a following digit literal is not read as part of the group number.
      return `(?:\\${node.group})`;
    case 'group':
      return `${node.index === null ? '(?:' : '('}${alternationSource(node.body, flags)})`;
    case 'look':
      return `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}${alternationSource(node.body, flags)})`;
    case 'repeat':
      return `(?:${nodeSource(node.item, flags)})${quantifier(node.min, node.max)}${node.lazy ? '?' : ''}`;
  }
}

function alternationSource(alt: Alternation, flags: Flags): string {
  return alt.map((seq) => seq.map((n) => nodeSource(n, flags)).join('')).join('|');
}

/** JS source and flags for `re.match(pattern, subject)`: anchored at the start only. */
export function emitJs(parsed: ParsedPattern): { source: string; flags: string } {
  return {
    source: `^(?:${alternationSource(parsed.body, parsed.flags)})`,
    flags: parsed.flags.ignoreCase ? 'i' : '',
  };
}
