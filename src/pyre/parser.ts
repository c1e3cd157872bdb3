/**
 * A parser for Python 2.7 `re` syntax on byte strings, following the rules of CPython 2.7's
 * `sre_parse` (what VmBackup.py ran on in dom0): the same tokens, the same escapes, the same
 * places where `{` is a literal, the same errors. It builds our own tree (ast.ts); emit.ts turns
 * the tree into a JavaScript RegExp.
 *
 * The pattern arrives as a "byte string": one JS char per byte (0..255), see bytes.ts.
 * Errors carry the byte offset of the offending token; index.ts turns it into a column.
 */
import type { Alternation, Flags, Node, ParsedPattern } from './ast.js';
import { UNBOUNDED } from './ast.js';
import { type GroupState, parseBraceRepeat, parseClass, parseEscape } from './escapes.js';
import { FLAG_CHARS, isOneOf, MAX_GROUPS, PyRegexError, REPEAT_CHARS, SPECIAL_CHARS, Tokenizer, WHITESPACE } from './tokenizer.js';

export { PyRegexError } from './tokenizer.js';

interface State extends GroupState {
  flags: Flags;
  names: Map<string, number>;
  /** Groups and lookarounds open around the current position. */
  depth: number;
}

/**
 * Each open group costs a few stack frames here, in checks.ts and in emit.ts; 10,000 nested
 * `(?:` overflowed the stack (an internal error). Python 2.7 itself fails with "maximum
 * recursion depth exceeded" at a few hundred levels, and no VM selector needs more than a handful.
 */
export const MAX_NESTING = 100;

/** Parses a group's or lookaround's body one level deeper, refusing to go past MAX_NESTING. */
function parseNested(src: Tokenizer, state: State, pos: number): Alternation {
  if (state.depth >= MAX_NESTING) throw new PyRegexError(`groups nested more than ${MAX_NESTING} deep`, pos, 'unsupported');
  state.depth++;
  const body = parseAlternation(src, state);
  state.depth--;
  return body;
}

function isName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

function literal(token: string): Node {
  return { type: 'literal', byte: token.charCodeAt(0) };
}

function readName(src: Tokenizer, terminator: string, pos: number): string {
  let name = '';
  for (;;) {
    const token = src.get();
    if (token === null) throw new PyRegexError('unterminated group name', pos);
    if (token === terminator) return name;
    name += token;
  }
}

function openGroup(state: State, name: string | null, pos: number): number {
  const index = state.groups++;
  if (index > MAX_GROUPS) throw new PyRegexError(`more than ${MAX_GROUPS} groups: Python 2 refuses the pattern`, pos, 'unsupported');
  if (name !== null) {
    const earlier = state.names.get(name);
    if (earlier !== undefined) throw new PyRegexError(`group name ${name} is used twice (groups ${earlier} and ${index})`, pos);
    state.names.set(name, index);
  }
  state.open.add(index);
  return index;
}

function setFlag(flags: Flags, letter: string, pos: number): void {
  switch (letter) {
    case 'i':
      flags.ignoreCase = true;
      return;
    case 'm':
      flags.multiline = true;
      return;
    case 's':
      flags.dotAll = true;
      return;
    case 'x':
      flags.verbose = true;
      return;
    default:
      throw new PyRegexError(`the (?${letter}) flag (locale, unicode or template mode) cannot be reproduced faithfully`, pos, 'unsupported');
  }
}

/** After `(`: a group, a lookaround, a comment, inline flags or a named backreference. */
function parseParen(src: Tokenizer, state: State, seq: Node[], pos: number): void {
  let capture = true;
  let name: string | null = null;
  if (src.match('?')) {
    capture = false;
    if (src.match('P')) {
      if (src.match('<')) {
        name = readName(src, '>', pos);
        if (!isName(name)) throw new PyRegexError(`bad group name "${name}"`, pos);
        capture = true;
      } else if (src.match('=')) {
        const ref = readName(src, ')', pos);
        if (!isName(ref)) throw new PyRegexError(`bad group name "${ref}"`, pos);
        const group = state.names.get(ref);
        if (group === undefined) throw new PyRegexError(`unknown group name "${ref}"`, pos);
        if (state.open.has(group)) throw new PyRegexError(`(?P=${ref}) refers to group ${ref} from inside it`, pos, 'unsupported');
        seq.push({ type: 'backref', group, pos });
        return;
      } else {
        const token = src.get();
        if (token === null) throw new PyRegexError('unexpected end of pattern after (?P', pos);
        throw new PyRegexError(`unknown group syntax (?P${token}`, pos);
      }
    } else if (src.match(':')) {
      // non-capturing group; `capture` stays false
    } else if (src.match('#')) {
      while (src.next !== null && src.next !== ')') src.get();
      if (!src.match(')')) throw new PyRegexError('(?# comment is never closed: missing )', pos);
      return;
    } else if (isOneOf(src.next, '=!<')) {
      let kind = src.get()!;
      const behind = kind === '<';
      if (behind) {
        if (!isOneOf(src.next, '=!')) throw new PyRegexError('(?< must be followed by = or ! (named groups are written (?P<name>...))', pos);
        kind = src.get()!;
      }
      const body = parseNested(src, state, pos);
      if (!src.match(')')) throw new PyRegexError('( is never closed: missing )', pos);
      seq.push({ type: 'look', behind, negate: kind === '!', body, pos });
      return;
    } else if (src.match('(')) {
      throw new PyRegexError('conditional groups (?(group)yes|no) cannot be reproduced in JavaScript', pos, 'unsupported');
    } else {
      if (!isOneOf(src.next, FLAG_CHARS)) throw new PyRegexError('unknown group syntax after (?', pos);
      while (isOneOf(src.next, FLAG_CHARS)) {
        const flagPos = src.nextPos;
        setFlag(state.flags, src.get()!, flagPos);
      }
      const closing = src.get();
      if (closing === null) throw new PyRegexError('unexpected end of pattern in inline flags', pos);
      if (closing !== ')') {
        throw new PyRegexError('inline flags must be written alone, like (?i); Python 2 has no (?i:...) form', pos);
      }
      return;
    }
  }
  const index = capture ? openGroup(state, name, pos) : null;
  const body = parseNested(src, state, pos);
  if (!src.match(')')) throw new PyRegexError('( is never closed: missing )', pos);
  if (index !== null) state.open.delete(index);
  seq.push({ type: 'group', index, body, pos });
}

function parseSequence(src: Tokenizer, state: State): Node[] {
  const seq: Node[] = [];
  for (;;) {
    if (src.next === '|' || src.next === ')') break;
    const pos = src.nextPos;
    const token = src.get();
    if (token === null) break;

    if (state.flags.verbose) {
      if (isOneOf(token, WHITESPACE)) continue;
      if (token === '#') {
        for (let t = src.get(); t !== null && t !== '\n'; t = src.get());
        continue;
      }
    }

    const head = token[0]!;
    if (!SPECIAL_CHARS.includes(head)) {
      seq.push(literal(token));
    } else if (token === '[') {
      seq.push(parseClass(src, pos));
    } else if (REPEAT_CHARS.includes(head)) {
      let bounds: { min: number; max: number } | null;
      if (token === '?') bounds = { min: 0, max: 1 };
      else if (token === '*') bounds = { min: 0, max: UNBOUNDED };
      else if (token === '+') bounds = { min: 1, max: UNBOUNDED };
      else bounds = parseBraceRepeat(src, pos);
      if (bounds === null) {
        seq.push(literal('{'));
        continue;
      }
      const item = seq[seq.length - 1];
      if (item === undefined || item.type === 'at') throw new PyRegexError(`nothing to repeat before ${token}`, pos);
      if (item.type === 'repeat') throw new PyRegexError(`multiple repeat: ${token} after another repeat`, pos);
      const lazy = src.match('?');
      seq[seq.length - 1] = { type: 'repeat', min: bounds.min, max: bounds.max, lazy, item, pos };
    } else if (token === '.') {
      seq.push({ type: 'any' });
    } else if (token === '(') {
      parseParen(src, state, seq, pos);
    } else if (token === '^') {
      seq.push({ type: 'at', where: 'beginning' });
    } else if (token === '$') {
      seq.push({ type: 'at', where: 'end' });
    } else {
      seq.push(parseEscape(src, token, state, pos));
    }
  }
  return seq;
}

function parseAlternation(src: Tokenizer, state: State): Alternation {
  const branches: Alternation = [];
  // A sequence stops only at `|`, `)` or the end, so after the last branch the caller sees
  // `)` (closing a group, or unbalanced at top level) or the end.
  for (;;) {
    branches.push(parseSequence(src, state));
    if (!src.match('|')) return branches;
  }
}

function parseWithFlags(pattern: string, flags: Flags): ParsedPattern {
  const src = new Tokenizer(pattern);
  const state: State = { flags: { ...flags }, groups: 1, open: new Set(), names: new Map(), depth: 0 };
  const body = parseAlternation(src, state);
  const tailPos = src.nextPos;
  const tail = src.get();
  if (tail === ')') throw new PyRegexError(') has no matching (', tailPos);
  if (tail !== null) throw new PyRegexError('unexpected characters at the end of the pattern', tailPos);
  return { body, flags: state.flags, groupCount: state.groups - 1 };
}

/**
 * Parses a pattern given as a byte string. Like Python, when `(?x)` appears somewhere the whole
 * pattern is parsed again in verbose mode, so whitespace before the flag is skipped too.
 */
export function parsePythonPattern(pattern: string): ParsedPattern {
  const none: Flags = { ignoreCase: false, multiline: false, dotAll: false, verbose: false };
  const first = parseWithFlags(pattern, none);
  if (!first.flags.verbose) return first;
  return parseWithFlags(pattern, first.flags);
}
