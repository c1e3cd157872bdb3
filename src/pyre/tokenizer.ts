/**
 * The lexical layer of the Python 2.7 regex parser: the error type, the character classes of
 * `sre_parse`, and its tokenizer (one byte, or a backslash and the byte after it).
 */
import type { AtKind, Category } from './ast.js';

export class PyRegexError extends Error {
  constructor(
    message: string,
    /** Byte offset in the pattern where the problem is. */
    readonly bytePos: number,
    /**
     * 'syntax': Python 2.7 itself rejects the pattern. 'unsupported': some Python 2.7 builds
     * accept it, or JavaScript cannot reproduce its meaning; we refuse rather than guess.
     */
    readonly kind: 'syntax' | 'unsupported' = 'syntax',
  ) {
    super(message);
    this.name = 'PyRegexError';
  }
}

export const SPECIAL_CHARS = '.\\[{()*+?^$|';
export const REPEAT_CHARS = '*+?{';
export const DIGITS = '0123456789';
export const OCT_DIGITS = '01234567';
export const HEX_DIGITS = '0123456789abcdefABCDEF';
export const WHITESPACE = ' \t\n\r\v\f';

/** Escapes that stand for one byte, valid inside and outside classes (`\b` only inside). */
export const BYTE_ESCAPES: Record<string, number> = {
  '\\a': 7,
  '\\b': 8,
  '\\f': 12,
  '\\n': 10,
  '\\r': 13,
  '\\t': 9,
  '\\v': 11,
  '\\\\': 92,
};

export const CATEGORY_ESCAPES: Record<string, Category> = {
  '\\d': 'digit',
  '\\D': 'not-digit',
  '\\s': 'space',
  '\\S': 'not-space',
  '\\w': 'word',
  '\\W': 'not-word',
};

export const AT_ESCAPES: Record<string, AtKind> = {
  '\\A': 'beginning-string',
  '\\b': 'boundary',
  '\\B': 'non-boundary',
  '\\Z': 'end-string',
};

/** Python 2's inline flag letters. Only i, m, s, x have a faithful JS translation. */
export const FLAG_CHARS = 'iLmsxtu';

/** Python 2.7's MAXREPEAT on the dom0 builds we target; larger counts are refused there. */
export const MAX_REPEAT_COUNT = 65535;

/** `sre_compile` refuses patterns with more than 100 groups (group 0 included). */
export const MAX_GROUPS = 99;

export function isOneOf(token: string | null, chars: string): token is string {
  return token !== null && token.length === 1 && chars.includes(token);
}

/** Splits the pattern into tokens: one byte, or a backslash and the byte after it. */
export class Tokenizer {
  private index = 0;
  next: string | null = null;
  /** Byte offset where `next` starts. */
  nextPos = 0;

  constructor(private readonly s: string) {
    this.advance();
  }

  private advance(): void {
    this.nextPos = this.index;
    if (this.index >= this.s.length) {
      this.next = null;
      return;
    }
    let token = this.s[this.index]!;
    if (token === '\\') {
      const after = this.s[this.index + 1];
      if (after === undefined) {
        throw new PyRegexError('the pattern ends with a lone backslash', this.index);
      }
      token += after;
    }
    this.index += token.length;
    this.next = token;
  }

  /** Consumes `token` if it is next. */
  match(token: string): boolean {
    if (this.next === token) {
      this.advance();
      return true;
    }
    return false;
  }

  get(): string | null {
    const token = this.next;
    this.advance();
    return token;
  }

  tell(): { index: number; next: string | null; nextPos: number } {
    return { index: this.index, next: this.next, nextPos: this.nextPos };
  }

  seek(state: { index: number; next: string | null; nextPos: number }): void {
    this.index = state.index;
    this.next = state.next;
    this.nextPos = state.nextPos;
  }
}

