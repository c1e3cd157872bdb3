/**
 * Random Python regexes and subject names for the differential test, from a small grammar that
 * stays inside the syntax where Python 3 (our oracle) and Python 2.7 agree. Seeded, so a failure
 * reproduces.
 */

export class Rng {
  constructor(private state: number) {}
  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Subject characters: ASCII letters of both cases, digits, separators, \n \r, and non-ASCII. */
const SUBJECT_CHARS = ['a', 'b', 'A', 'B', 'z', '0', '7', '-', '_', ' ', '.', '\n', '\r', '\t', 'é', 'É', 'ß', '€', '😀', '\u00a0'];

export function randomSubject(rng: Rng): string {
  let s = '';
  const n = rng.int(7);
  for (let i = 0; i < n; i++) s += rng.pick(SUBJECT_CHARS);
  return s;
}

const ATOMS = [
  'a', 'b', 'A', 'z', '0', '-', ' ', '_', 'é', '€',
  '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\.', '\\-', '\\ ', '\\n', '\\t', '\\x41', '\\xc3', '\\xa9', '\\101', '\\0', '\\\\',
  '[ab]', '[^a]', '[a-c]', '[A-Z]', '[^\\w]', '[\\d\\s]', '[-a]', '[a-]', '[]a]', '[^]a]', '[\\x80-\\xff]', '[é]', '[.]', '[\\b]',
];
const ANCHORS = ['^', '$', '\\A', '\\Z', '\\b', '\\B'];
const QUANTIFIERS = ['*', '+', '?', '*?', '+?', '??', '{2}', '{1,2}', '{,2}', '{2,}', '{0}', '{1,2}?'];
const FLAGS = ['', '', '', '(?i)', '(?s)', '(?m)', '(?x)', '(?im)', '(?is)'];

function sequence(rng: Rng, depth: number, groups: { n: number; closed: number[] }): string {
  let out = '';
  const len = 1 + rng.int(4);
  for (let i = 0; i < len; i++) {
    const r = rng.next();
    let item: string;
    if (r < 0.55 || depth > 2) item = rng.pick(ATOMS);
    else if (r < 0.65) item = rng.pick(ANCHORS);
    else if (r < 0.8) {
      const index = ++groups.n;
      const named = rng.next() < 0.3;
      item = `(${named ? `?P<g${index}>` : ''}${alternation(rng, depth + 1, groups)})`;
      groups.closed.push(index);
    } else if (r < 0.85) item = `(?:${alternation(rng, depth + 1, groups)})`;
    else if (r < 0.9) item = `(?${rng.pick(['=', '!'])}${alternation(rng, depth + 1, groups)})`;
    else if (r < 0.94) item = `(?${rng.pick(['<=', '<!'])}${rng.pick(['a', 'ab', '[ab]', '\\d', 'a|b', '.'])})`;
    else if (r < 0.97 && groups.closed.length > 0) item = `\\${rng.pick(groups.closed)}`;
    else item = rng.pick(['a', '.', '\\w']);
    if (!ANCHORS.includes(item) && rng.next() < 0.3) item += rng.pick(QUANTIFIERS);
    out += item;
  }
  return out;
}

function alternation(rng: Rng, depth: number, groups: { n: number; closed: number[] }): string {
  let out = sequence(rng, depth, groups);
  while (rng.next() < 0.25) out += '|' + sequence(rng, depth, groups);
  return out;
}

/** A pattern from the grammar: mostly valid, sometimes not (e.g. a quantified anchor). */
export function randomPattern(rng: Rng): string {
  return rng.pick(FLAGS) + alternation(rng, 0, { n: 0, closed: [] });
}

/** Noise made of regex metacharacters: exercises the error paths. */
const NOISE = ['a', 'b', '(', ')', '[', ']', '{', '}', ',', '1', '2', '*', '+', '?', '|', '^', '$', '.', '\\', '-', '?P<', '>', '=', '!', '<', ':', '#', ' '];

export function randomNoise(rng: Rng): string {
  let s = '';
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) s += rng.pick(NOISE);
  return s;
}
