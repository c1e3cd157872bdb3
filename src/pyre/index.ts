/**
 * Python 2 `re.match` for VM selectors, in JavaScript.
 *
 *   const p = compilePythonRegex('PROD-.*web[0-9]$');
 *   p.matches('PROD-eu-web1')   // true: front-anchored, like re.match
 *
 * A pattern Python 2.7 would reject, or one whose translation could match differently, throws a
 * RegexSyntaxError with a 1-based column. There is no silent fallback.
 */
import { checkPattern } from './checks.js';
import { byteChars, byteUnit, decodeUtf8, toByteString, utf8Bytes } from './bytes.js';
import { emitJs } from './emit.js';
import { parsePythonPattern, PyRegexError } from './parser.js';
import type { ParsedPattern } from './ast.js';

export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
    /** 1-based column (in characters) of the problem within the pattern. */
    readonly column: number,
    /** 'syntax': Python 2.7 rejects it too; 'unsupported': we refuse rather than guess. */
    readonly kind: 'syntax' | 'unsupported',
  ) {
    super(`invalid regex at column ${column}: ${reason}`);
    this.name = 'RegexSyntaxError';
  }
}

export interface PythonPattern {
  readonly pattern: string;
  /** The JavaScript translation; for diagnostics and tests. */
  readonly regexp: RegExp;
  /** `re.match(pattern, name)` on the UTF-8 bytes of `name`. */
  matches(name: string): boolean;
  /**
   * When the pattern is plain literal text followed by `$` (what formatConfig writes for a name
   * that is not "simple"), the name it selects; otherwise null.
   */
  readonly exactName: string | null;
}

/** Character column (1-based) of a byte offset into the UTF-8 form of `s`. */
function columnOfByte(s: string, bytePos: number): number {
  let bytes = 0;
  let column = 1;
  for (const ch of s) {
    if (bytes >= bytePos) break;
    bytes += utf8Bytes(ch).length;
    column++;
  }
  return column;
}

function exactNameOf(parsed: ParsedPattern): string | null {
  const { ignoreCase, multiline, dotAll } = parsed.flags;
  if (ignoreCase || multiline || dotAll || parsed.body.length !== 1) return null;
  const seq = parsed.body[0]!;
  const last = seq[seq.length - 1];
  if (!last || last.type !== 'at' || last.where !== 'end') return null;
  const bytes: number[] = [];
  for (const node of seq.slice(0, -1)) {
    if (node.type !== 'literal') return null;
    bytes.push(node.byte);
  }
  return decodeUtf8(Uint8Array.from(bytes));
}

/**
 * The longest pattern accepted, in UTF-8 bytes: a long alternation of VM names is a few KB, and
 * the cfg parser stops lines at the same length. Without it a 10 MB pattern took 39 s and 2 GB
 * to parse before JavaScript refused it anyway.
 */
export const MAX_PATTERN_BYTES = 16 * 1024;

/**
 * V8 compiles a RegExp at its first use and throws a SyntaxError there when the compiled form is
 * too large or too deep ("Regular expression too large" for `a.` × 17,000): an internal error
 * in the middle of scope resolution. Compiling it now turns that into a RegexSyntaxError. V8
 * keeps one compiled form for one-byte subjects (ASCII names) and one for two-byte subjects
 * (names with bytes over 0x7F, mapped to U+E080..): both are made here.
 */
function compileNow(regexp: RegExp, pattern: string): void {
  try {
    regexp.test('');
    regexp.test(String.fromCharCode(byteUnit(0xff)));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const why = /: ([^:/]*)$/.exec(err.message)?.[1] ?? err.message;
    throw new RegexSyntaxError(pattern, `the JavaScript regex engine refuses it (${why}); split the pattern into shorter ones`, 1, 'unsupported');
  }
}

export function compilePythonRegex(pattern: string): PythonPattern {
  let parsed: ParsedPattern;
  const size = utf8Bytes(pattern).length;
  if (size > MAX_PATTERN_BYTES) {
    throw new RegexSyntaxError(pattern, `the pattern is ${size} bytes long, over the limit of ${MAX_PATTERN_BYTES}; split it into shorter ones`, 1, 'unsupported');
  }
  try {
    parsed = parsePythonPattern(byteChars(pattern));
    checkPattern(parsed);
  } catch (err) {
    if (err instanceof PyRegexError) throw new RegexSyntaxError(pattern, err.message, columnOfByte(pattern, err.bytePos), err.kind);
    throw err;
  }
  const { source, flags } = emitJs(parsed);
  const regexp = new RegExp(source, flags);
  compileNow(regexp, pattern);
  return {
    pattern,
    regexp,
    matches: (name: string) => regexp.test(toByteString(name)),
    exactName: exactNameOf(parsed),
  };
}
