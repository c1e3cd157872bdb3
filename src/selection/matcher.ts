/** How a selector matches a VM name: shared by the selection lines and the `delta=` lines. */
import { type Selector, writesVerbatim } from '../config/index.js';
import { compilePythonRegex } from '../pyre/index.js';

/**
 * A name selector matches that name. A name that cannot be written verbatim is written as a
 * `$`-ended regex, which Python also lets match before one trailing newline; keep that, so our
 * scope is the original's scope even for such names. Throws RegexSyntaxError for a bad pattern.
 */
export function matcherFor(selector: Selector): (name: string) => boolean {
  if (selector.kind === 'name') {
    const name = selector.name;
    return writesVerbatim(name) ? (n) => n === name : (n) => n === name || n === `${name}\n`;
  }
  return compilePythonRegex(selector.pattern).matches;
}
