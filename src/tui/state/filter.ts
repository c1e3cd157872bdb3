/**
 * The select screen's filter: the text typed after `/`, read exactly as the same text after
 * `vm-export=` in a cfg would be read, so what the list shows is what a saved regex selector
 * picks. That means:
 * - the value is stripped of Python whitespace, as the cfg reader strips it;
 * - an empty filter shows every VM (`vm-export=` with nothing after it selects every VM);
 * - a legacy "simple name" (letters, digits, spaces, `-`, `_`) is ONE exact name, compared with
 *   `==`, as the original does; anything else is a Python 2 `re.match` on the UTF-8 bytes.
 * An invalid pattern is an error with its column in the typed text, never an exception.
 */
import { isSimpleName } from '../../config/index.js';
import { pyStrip } from '../../config/python-text.js';
import { compilePythonRegex, RegexSyntaxError } from '../../pyre/index.js';
import { toByteString } from '../../pyre/bytes.js';

export interface FilterError {
  message: string;
  /** 1-based column in the text as typed (leading spaces included). */
  column: number;
}

export type FilterKind = 'all' | 'name' | 'regex';

export type CompiledFilter =
  | { ok: true; text: string; selector: string; kind: FilterKind; test: (name: string, byteName: string) => boolean }
  | { ok: false; text: string; error: FilterError };

export function compileFilter(text: string): CompiledFilter {
  const selector = pyStrip(text);
  if (selector === '') return { ok: true, text, selector, kind: 'all', test: () => true };
  if (isSimpleName(selector)) return { ok: true, text, selector, kind: 'name', test: (name) => name === selector };
  try {
    // The compiled RegExp runs on the byte-string form; the rows carry that form precomputed
    // (toByteString per name per keystroke would dominate on 10,000 VMs).
    const { regexp } = compilePythonRegex(selector);
    return { ok: true, text, selector, kind: 'regex', test: (_name, byteName) => regexp.test(byteName) };
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    return { ok: false, text, error: { message: err.reason, column: err.column + leadingSpaces(text) } };
  }
}

/** Characters pyStrip removed at the front, to place the column in the text as typed. */
function leadingSpaces(text: string): number {
  let n = 0;
  while (n < text.length && ' \t\n\v\f\r'.includes(text[n]!)) n++;
  return n;
}

/** The byte-string form of each name, computed once per pool. ASCII names are their own byte form. */
export function byteNames(names: readonly string[]): string[] {
  return names.map((n) => (/^[\x00-\x7f]*$/.test(n) ? n : toByteString(n)));
}

/** Indices of the rows the filter shows, in row order. O(n) tests of a compiled RegExp. */
export function matchingIndices(filter: CompiledFilter & { ok: true }, names: readonly string[], bytes: readonly string[]): number[] {
  if (filter.kind === 'all') return names.map((_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < names.length; i++) if (filter.test(names[i]!, bytes[i]!)) out.push(i);
  return out;
}
