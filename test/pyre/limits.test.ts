/**
 * Patterns too long or too deep for a VM selector fail as a RegexSyntaxError ("unsupported"),
 * with the limit in the message, instead of a stack overflow in the parser or V8's "Regular
 * expression too large" at the first match (both were exit 70, "internal error").
 */
import { describe, expect, it } from 'vitest';
import { compilePythonRegex, MAX_PATTERN_BYTES, RegexSyntaxError } from '../../src/pyre/index.js';
import { MAX_NESTING } from '../../src/pyre/parser.js';

function refusal(pattern: string): RegexSyntaxError {
  try {
    compilePythonRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err;
    throw err;
  }
  throw new Error('the pattern was accepted');
}

describe('pattern limits', () => {
  it('a pattern over MAX_PATTERN_BYTES is refused before parsing, with its size and the limit', () => {
    const err = refusal('a.'.repeat(100_000));
    expect(err).toMatchObject({ kind: 'unsupported', column: 1 });
    expect(err.reason).toBe(`the pattern is 200000 bytes long, over the limit of ${MAX_PATTERN_BYTES}; split it into shorter ones`);
  });

  it('the limit counts UTF-8 bytes, as Python 2 saw the pattern', () => {
    expect(refusal('é'.repeat(MAX_PATTERN_BYTES / 2 + 1)).reason).toMatch(/^the pattern is 16386 bytes long/);
  });

  it('a long alternation of VM names just under the limit compiles and matches', () => {
    const names = Array.from({ length: 900 }, (_, i) => `vm-${String(i).padStart(4, '0')}.example`);
    const pattern = `(?:${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`;
    expect(Buffer.byteLength(pattern)).toBeLessThanOrEqual(MAX_PATTERN_BYTES);
    expect(Buffer.byteLength(pattern)).toBeGreaterThan(MAX_PATTERN_BYTES - 1500);
    const p = compilePythonRegex(pattern);
    expect(p.matches('vm-0899.example')).toBe(true);
    expect(p.matches('vm-0900.example')).toBe(false);
  });

  it('groups nested deeper than MAX_NESTING are refused at the group that goes too deep', () => {
    const deep = (n: number) => '(?:'.repeat(n) + 'a' + ')'.repeat(n);
    expect(compilePythonRegex(deep(MAX_NESTING)).matches('a')).toBe(true);
    const err = refusal(deep(MAX_NESTING + 1));
    expect(err).toMatchObject({ kind: 'unsupported', column: 3 * MAX_NESTING + 1 });
    expect(err.reason).toBe(`groups nested more than ${MAX_NESTING} deep`);
    // 4,000 levels (16 KB) overflowed the parser's stack: a RangeError, not a regex error.
    expect(refusal(deep(4000)).reason).toBe(`groups nested more than ${MAX_NESTING} deep`);
    expect(refusal('(?='.repeat(MAX_NESTING + 1) + 'a' + ')'.repeat(MAX_NESTING + 1)).reason).toBe(`groups nested more than ${MAX_NESTING} deep`);
  });
});
