/**
 * Escapes, character classes and `{m,n}` repeats, read as Python 2.7's `sre_parse` reads them.
 */
import type { ClassItem, Node } from './ast.js';
import { UNBOUNDED } from './ast.js';
import {
  AT_ESCAPES,
  BYTE_ESCAPES,
  CATEGORY_ESCAPES,
  DIGITS,
  HEX_DIGITS,
  isOneOf,
  MAX_REPEAT_COUNT,
  OCT_DIGITS,
  PyRegexError,
  type Tokenizer,
} from './tokenizer.js';

/** What an escape needs to know about groups: which exist so far and which are still open. */
export interface GroupState {
  /** Next group number (Python's `Pattern.groups`: starts at 1). */
  groups: number;
  /** Groups whose ")" has not been read yet. */
  open: Set<number>;
}

function parseClassEscape(src: Tokenizer, escape: string, pos: number): ClassItem {
  const single = BYTE_ESCAPES[escape];
  if (single !== undefined) return { kind: 'literal', byte: single };
  const category = CATEGORY_ESCAPES[escape];
  if (category) return { kind: 'category', category };
  if (AT_ESCAPES[escape]) {
    // Python 2.7 builds of that era fail on these inside [ ]; later ones read a letter.
    throw new PyRegexError(`${escape} has no meaning inside [ ]`, pos, 'unsupported');
  }
  const c = escape[1]!;
  if (c === 'x') return { kind: 'literal', byte: readHexEscape(src, pos) };
  if (OCT_DIGITS.includes(c)) {
    let oct = c;
    while (isOneOf(src.next, OCT_DIGITS) && oct.length < 3) oct += src.get();
    return { kind: 'literal', byte: parseInt(oct, 8) & 0xff };
  }
  if (DIGITS.includes(c)) throw new PyRegexError(`bad escape ${escape} inside [ ]`, pos);
  return { kind: 'literal', byte: escape.charCodeAt(1) };
}

/** The two hex digits after `\x` (Python 2.7 wants exactly two, inside and outside classes). */
function readHexEscape(src: Tokenizer, pos: number): number {
  let hex = '';
  while (isOneOf(src.next, HEX_DIGITS) && hex.length < 2) hex += src.get();
  if (hex.length !== 2) throw new PyRegexError(`bad escape \\x${hex}: \\x needs exactly two hex digits`, pos);
  return parseInt(hex, 16);
}

export function parseEscape(src: Tokenizer, escape: string, state: GroupState, pos: number): Node {
  const at = AT_ESCAPES[escape];
  if (at) return { type: 'at', where: at };
  const category = CATEGORY_ESCAPES[escape];
  if (category) return { type: 'set', negate: false, items: [{ kind: 'category', category }] };
  const single = BYTE_ESCAPES[escape];
  if (single !== undefined) return { type: 'literal', byte: single };
  const c = escape[1]!;
  if (c === 'x') return { type: 'literal', byte: readHexEscape(src, pos) };
  if (c === '0') {
    let oct = '0';
    while (isOneOf(src.next, OCT_DIGITS) && oct.length < 3) oct += src.get();
    return { type: 'literal', byte: parseInt(oct, 8) & 0xff };
  }
  if (DIGITS.includes(c)) {
    // An octal escape (three octal digits) or a group reference: Python's own "sigh".
    let digits = c;
    if (isOneOf(src.next, DIGITS)) {
      digits += src.get();
      if (OCT_DIGITS.includes(digits[0]!) && OCT_DIGITS.includes(digits[1]!) && isOneOf(src.next, OCT_DIGITS)) {
        digits += src.get();
        return { type: 'literal', byte: parseInt(digits, 8) & 0xff };
      }
    }
    const group = Number(digits);
    if (group < state.groups) {
      if (state.open.has(group)) throw new PyRegexError(`\\${digits} refers to group ${group} from inside it`, pos);
      return { type: 'backref', group, pos };
    }
    throw new PyRegexError(`\\${digits} refers to group ${group}, which does not exist before this point`, pos);
  }
  // Python 2 reads any other escaped byte as itself: \. \- \  and even \q or \u.
  return { type: 'literal', byte: escape.charCodeAt(1) };
}

export function parseClass(src: Tokenizer, start: number): Node {
  const items: ClassItem[] = [];
  const negate = src.match('^');
  let first = true;
  for (;;) {
    const pos = src.nextPos;
    const token = src.get();
    if (token === ']' && !first) break;
    if (token === null) throw new PyRegexError('[ is never closed: missing ]', start);
    first = false;
    const item: ClassItem = token[0] === '\\' ? parseClassEscape(src, token, pos) : { kind: 'literal', byte: token.charCodeAt(0) };
    if (!src.match('-')) {
      items.push(item);
      continue;
    }
    const hiPos = src.nextPos;
    const hiToken = src.get();
    if (hiToken === ']') {
      items.push(item, { kind: 'literal', byte: 0x2d });
      break;
    }
    if (hiToken === null) throw new PyRegexError('[ is never closed: missing ]', start);
    const hi: ClassItem = hiToken[0] === '\\' ? parseClassEscape(src, hiToken, hiPos) : { kind: 'literal', byte: hiToken.charCodeAt(0) };
    if (item.kind !== 'literal' || hi.kind !== 'literal' || hi.byte < item.byte) {
      throw new PyRegexError('bad character range', pos);
    }
    items.push({ kind: 'range', lo: item.byte, hi: hi.byte });
  }
  return { type: 'set', negate, items };
}

/** `{m,n}` after `{` has been read; null when the brace is a plain literal, as Python decides. */
export function parseBraceRepeat(src: Tokenizer, pos: number): { min: number; max: number } | null {
  if (src.next === '}') return null;
  const here = src.tell();
  let lo = '';
  let hi = '';
  while (isOneOf(src.next, DIGITS)) lo += src.get();
  if (src.match(',')) {
    while (isOneOf(src.next, DIGITS)) hi += src.get();
  } else {
    hi = lo;
  }
  if (!src.match('}')) {
    src.seek(here);
    return null;
  }
  const min = lo ? Number(lo) : 0;
  const max = hi ? Number(hi) : UNBOUNDED;
  if (min > MAX_REPEAT_COUNT || (max !== UNBOUNDED && max > MAX_REPEAT_COUNT)) {
    throw new PyRegexError(`repeat count above ${MAX_REPEAT_COUNT} is too large for Python 2`, pos, 'unsupported');
  }
  if (max < min) throw new PyRegexError(`bad repeat interval {${lo},${hi}}: the maximum is below the minimum`, pos);
  return { min, max };
}

