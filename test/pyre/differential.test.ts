/**
 * Our Python 2 regex translation against a real Python's `re` (bytes patterns and subjects),
 * on thousands of generated patterns. Python 3 is the oracle available here; the generator
 * avoids the few constructs where Python 3 and 2.7 disagree, and the check below skips the cases
 * we refuse on purpose ("unsupported": valid in some Python, not reproducible faithfully).
 */
import { describe, expect, it } from 'vitest';
import { compilePythonRegex, RegexSyntaxError } from '../../src/pyre/index.js';
import { askPython, type OracleCase } from '../helpers/python-oracle.js';
import { randomNoise, randomPattern, randomSubject, Rng } from './generate.js';

type Ours = { kind: 'error'; error: RegexSyntaxError } | { kind: 'ok'; matches: boolean[] };

function ours(c: OracleCase): Ours {
  try {
    const p = compilePythonRegex(c.pattern);
    return { kind: 'ok', matches: c.subjects.map((s) => p.matches(s)) };
  } catch (err) {
    if (err instanceof RegexSyntaxError) return { kind: 'error', error: err };
    throw err;
  }
}

/** Python 3.11 accepts these, Python 2.7 rejects them: possessive quantifiers, atomic groups, (?a). */
function python3Only(pattern: string): boolean {
  return /[*+?}]\+|\(\?>|\(\?a/.test(pattern);
}

function compare(cases: OracleCase[]) {
  const { version, answers } = askPython(cases);
  // Python 3.14 lets \B match inside an empty string; 2.7 (and 3.13 and older) never does.
  const bOnEmptyChanged = version[0] > 3 || (version[0] === 3 && version[1] >= 14);
  const mismatches: string[] = [];
  let compared = 0;
  let refused = 0;
  cases.forEach((c, i) => {
    const py = answers[i]!;
    const us = ours(c);
    if (us.kind === 'error') {
      if (us.error.kind === 'unsupported') {
        refused++;
        return;
      }
      if ('error' in py || python3Only(c.pattern)) return;
      mismatches.push(`${JSON.stringify(c.pattern)}: we reject (${us.error.reason}), Python accepts`);
      return;
    }
    if ('error' in py) {
      mismatches.push(`${JSON.stringify(c.pattern)}: we accept (${us.kind}), Python says ${py.error}`);
      return;
    }
    compared++;
    c.subjects.forEach((s, j) => {
      if (bOnEmptyChanged && s === '' && c.pattern.includes('\\B')) return;
      if (py.matches[j] !== null && py.matches[j] !== us.matches[j]) {
        mismatches.push(`${JSON.stringify(c.pattern)} on ${JSON.stringify(s)}: Python ${py.matches[j]}, we ${us.matches[j]} (js ${compilePythonRegex(c.pattern).regexp})`);
      }
    });
  });
  return { mismatches, compared, refused };
}

function makeCases(seed: number, count: number, pattern: (rng: Rng) => string): OracleCase[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({
    pattern: pattern(rng),
    subjects: Array.from({ length: 12 }, () => randomSubject(rng)),
  }));
}

describe('Python 2 regex translation agrees with Python re', () => {
  it('on generated patterns (matches, and which patterns are errors)', () => {
    const cases = makeCases(20261126, 4000, randomPattern);
    // Subjects that a pattern's own literal text would match, so matches are not all false.
    for (const c of cases) c.subjects.push(c.pattern.replace(/[\\()[\]{}*+?|^$]/g, ''), 'a', 'ab', '');
    const { mismatches, compared, refused } = compare(cases);
    expect(mismatches.slice(0, 20)).toEqual([]);
    // The comparison must actually compare: most generated patterns are valid and translatable.
    expect(compared).toBeGreaterThan(cases.length * 0.6);
    expect(refused).toBeLessThan(cases.length * 0.25);
  });

  it('on metacharacter noise (the error paths)', () => {
    const cases = makeCases(7, 4000, randomNoise);
    const { mismatches, compared } = compare(cases);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });
});
