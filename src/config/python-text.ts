/**
 * The few Python 2 string behaviours the legacy cfg grammar depends on. JavaScript's own
 * versions differ in ways that change results (String#trim strips U+00A0 and U+FEFF; Number()
 * accepts "0x10" and "1e3"), so we spell out Python's.
 */

/** Python 2 `str.strip()` whitespace on byte strings: space, \t, \n, \v, \f, \r. */
const PY_SPACE = ' \t\n\v\f\r';

export function isPythonSpace(ch: string): boolean {
  return ch.length === 1 && PY_SPACE.includes(ch);
}

export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPythonSpace(s[start]!)) start++;
  while (end > start && isPythonSpace(s[end - 1]!)) end--;
  return s.slice(start, end);
}

/**
 * Python `int(s)` for the decimal strings a cfg holds: surrounding whitespace and one sign are
 * allowed, digits are ASCII only. Returns null where Python would raise ValueError.
 */
export function parsePythonInt(s: string): number | null {
  const m = /^[+-]?[0-9]+$/.exec(pyStrip(s));
  if (!m) return null;
  const n = Number(m[0]);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The legacy "simple name" test (spec §3.2): `^[\w\s\-\_]+$` under Python 2 on a byte string,
 * i.e. ASCII letters, digits, `_`, `-` and the six ASCII whitespace characters. A simple name is
 * compared with `==`; anything else is a regex.
 */
export function isSimpleName(s: string): boolean {
  return /^[A-Za-z0-9_\- \t\n\v\f\r]+$/.test(s);
}
