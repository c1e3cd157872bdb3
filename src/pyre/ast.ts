/**
 * The parse tree of a Python 2.7 regex, close to what `sre_parse` builds. Literals are bytes
 * (0..255). Character classes keep their items; the byte set they accept is computed by the
 * emitter, because IGNORECASE (which Python applies to the whole pattern wherever `(?i)` is
 * written) changes it.
 */

export type Category = 'digit' | 'not-digit' | 'space' | 'not-space' | 'word' | 'not-word';

export type ClassItem =
  | { kind: 'literal'; byte: number }
  | { kind: 'range'; lo: number; hi: number }
  | { kind: 'category'; category: Category };

/** `^` `$` `\A` `\Z` `\b` `\B`; `^` and `$` also depend on MULTILINE. */
export type AtKind = 'beginning' | 'end' | 'beginning-string' | 'end-string' | 'boundary' | 'non-boundary';

export type Node =
  | { type: 'literal'; byte: number }
  | { type: 'any' }
  | { type: 'set'; negate: boolean; items: ClassItem[] }
  | { type: 'at'; where: AtKind }
  | { type: 'backref'; group: number; pos: number }
  | { type: 'group'; index: number | null; body: Alternation; pos: number }
  | { type: 'look'; behind: boolean; negate: boolean; body: Alternation; pos: number }
  | { type: 'repeat'; min: number; max: number; lazy: boolean; item: Node; pos: number };

/** Alternatives of a group or of the whole pattern: `a|bc` is [[a], [b, c]]. */
export type Alternation = Node[][];

export interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
}

export interface ParsedPattern {
  body: Alternation;
  flags: Flags;
  /** Number of capturing groups. */
  groupCount: number;
}

/** Python's MAXREPEAT stand-in for "no upper bound". */
export const UNBOUNDED = Number.POSITIVE_INFINITY;
