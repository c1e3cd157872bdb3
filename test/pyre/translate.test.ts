import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePythonRegex, RegexSyntaxError } from '../../src/pyre/index.js';

const matches = (pattern: string, name: string) => compilePythonRegex(pattern).matches(name);

function syntaxError(pattern: string): RegexSyntaxError {
  try {
    compilePythonRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err;
    throw err;
  }
  throw new Error(`${pattern} compiled`);
}

describe('re.match semantics on VM names', () => {
  it.each([
    // The README's own examples and warnings.
    ['PRD-a*', 'PRD-Test', true],
    ['PRD-a*', 'PRD-aaaSomething', true],
    ['PRD-a.*', 'PRD-Test', false],
    ['PRD-a.*', 'PRD-a', true],
    ['PROD*', 'PROSPECT', true], // v3.0 syntax: PRO then any number of D
    ['DEV-.*(TEST|test).*', 'DEV-web-test-2', true],
    ['DEV-.*[Tt]est.*', 'DEV-web-Test', true],
    ['.*SAVE$', 'db-SAVE', true],
    ['.*SAVE$', 'db-SAVE-old', false],
    ['PRD-.*print[4-5]$', 'PRD-x-print5', true],
    ['PRD-.*print[4-5]$', 'PRD-x-print6', false],
    ['PRD-.*print[\\d{1,}]$', 'PRD-x-print7', true], // a class of digits, "{", "1", ",", "}"
    ['PRD-.*print[\\d{1,}]$', 'PRD-x-print{', true],
    // Front-anchored only.
    ['web', 'web-old', true],
    ['eb', 'web', false],
    ['a|b', 'bcd', true],
    ['web.example.com', 'web-example-com-old', true],
    ['VM (old)', 'VM (old)', false],
    ['VM (old)', 'VM old', true],
    // Python's $ also matches before one final newline; \Z does not.
    ['abc$', 'abc\n', true],
    ['abc\\Z', 'abc\n', false],
    // Bytes, not characters: "é" is two bytes, so one "." does not cover it.
    ['Serveur-.$', 'Serveur-é', false],
    ['Serveur-..$', 'Serveur-é', true],
    ['\\xc3\\xa9$', 'é', true],
    ['é*$', 'é', true],
    // ASCII-only classes, no Unicode folding, . matches \r.
    ['\\w+$', 'naïve', false],
    ['\\s', '\u00a0', false],
    ['.', '\r', true],
    ['(?i)abc', 'ABC', true],
    ['(?i)é', 'É', false],
    ['(?i)[^a]', 'A', false],
    ['(?s).', '\n', true],
    ['.', '\n', false],
    ['(?m)a$', 'a\nb', true],
    ['a$', 'a\nb', false],
    ['(?x) P R D # comment', 'PRD', true],
    ['a{,2}b', 'aab', true],
    ['x{', 'x{', true],
    ['x{a}', 'x{a}', true],
    ['\\q', 'q', true], // Python 2 reads unknown escapes as the letter
    ['\\101', 'A', true],
    ['(?P<n>\\d+)-(?P=n)$', '12-12', true],
    ['(?P<n>\\d+)-(?P=n)$', '12-13', false],
    ['(a)\\1', 'aa', true],
    ['(?<=a)b', 'ab', false], // re.match starts at 0, where nothing is behind
    ['a(?=b)', 'ab', true],
    ['\\B', '', false],
    ['', 'anything', true],
  ])('%j on %j is %j', (pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });
});

describe('invalid regex: an error at the right column, never a silent mismatch', () => {
  it.each([
    ['PRD-[aA.*', 5, 'syntax', /never closed/],
    ['a{2,1}', 2, 'syntax', /bad repeat interval/],
    ['*a', 1, 'syntax', /nothing to repeat/],
    ['a**', 3, 'syntax', /multiple repeat/],
    ['(abc', 1, 'syntax', /never closed/],
    ['abc)', 4, 'syntax', /no matching/],
    ['a\\', 2, 'syntax', /lone backslash/],
    ['\\x4', 1, 'syntax', /two hex digits/],
    ['(a)\\2', 4, 'syntax', /does not exist/],
    ['[z-a]', 2, 'syntax', /bad character range/],
    ['(?<a>x)', 1, 'syntax', /\(\?</],
    ['(?i:x)', 1, 'syntax', /\(\?i\)/],
    ['(?P<1a>x)', 1, 'syntax', /bad group name/],
    ['(?P=nope)', 1, 'syntax', /unknown group name/],
    ['(?<=a*)b', 1, 'syntax', /fixed-width/],
    // Refused on purpose: Python accepts these, JS cannot match them the same way.
    ['(a)?\\1', 5, 'unsupported', /may not have matched/],
    ['(a)|\\1', 5, 'unsupported', /may not have matched/],
    ['(?(1)a|b)', 1, 'unsupported', /conditional/],
    ['(?u)\\w', 3, 'unsupported', /\(\?u\)/],
    ['(a*)*', 5, 'unsupported', /nothing to repeat/],
    ['é(', 2, 'syntax', /never closed/], // columns count characters, not bytes
  ])('%j', (pattern, column, kind, reason) => {
    const err = syntaxError(pattern);
    expect(err.column).toBe(column);
    expect(err.kind).toBe(kind);
    expect(err.reason).toMatch(reason);
  });
});

describe('exactName: the regex our writer produces for a non-simple name', () => {
  it.each([
    ['mail\\.example\\.com\\x3a25$', 'mail.example.com:25'],
    ['\\xc3\\xa9t\\xc3\\xa9$', 'été'],
    ['\\x20lead$', ' lead'],
    ['$', ''],
  ])('%j selects exactly %j', (pattern, name) => {
    expect(compilePythonRegex(pattern).exactName).toBe(name);
  });

  it.each(['web.example.com', 'a$|b$', '(?i)abc$', 'ab[c]$', '\\xff$'])('%j is not an exact name', (pattern) => {
    expect(compilePythonRegex(pattern).exactName).toBeNull();
  });
});

describe('robustness', () => {
  it('any pattern text compiles or fails with RegexSyntaxError, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 20 }), (pattern, name) => {
        try {
          compilePythonRegex(pattern).matches(name);
        } catch (err) {
          if (!(err instanceof RegexSyntaxError)) throw err;
          expect(err.column).toBeGreaterThanOrEqual(1);
          expect(err.column).toBeLessThanOrEqual([...pattern].length + 1);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('regex metacharacter soup compiles or fails cleanly', () => {
    const meta = fc.constantFrom(...'()[]{}*+?|^$.\\-,:=!<>#Pabcdx0123 '.split(''), '(?P<', '(?P=', '(?<=', '(?#', '\\x', '\\0', '\\d');
    fc.assert(
      fc.property(fc.array(meta, { maxLength: 30 }), (parts) => {
        try {
          compilePythonRegex(parts.join('')).matches('abc');
        } catch (err) {
          if (!(err instanceof RegexSyntaxError)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });
});
