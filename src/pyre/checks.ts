/**
 * Rules checked after parsing. Some are Python 2.7's own compile-time errors (`sre_compile`);
 * the others refuse patterns whose JavaScript translation would match differently. Either way
 * the user gets an "invalid regex" error at a position instead of a silent mismatch.
 */
import type { Alternation, Node, ParsedPattern } from './ast.js';
import { UNBOUNDED } from './ast.js';
import { PyRegexError } from './parser.js';

interface Width {
  lo: number;
  hi: number;
}

/** Python's `SubPattern.getwidth`: anchors, lookarounds and backreferences count as 0. */
function nodeWidth(node: Node): Width {
  switch (node.type) {
    case 'literal':
    case 'any':
    case 'set':
      return { lo: 1, hi: 1 };
    case 'group':
      return alternationWidth(node.body);
    case 'repeat': {
      const w = nodeWidth(node.item);
      return { lo: w.lo * node.min, hi: node.max === UNBOUNDED ? (w.hi === 0 ? 0 : UNBOUNDED) : w.hi * node.max };
    }
    default:
      return { lo: 0, hi: 0 };
  }
}

function sequenceWidth(seq: Node[]): Width {
  let lo = 0;
  let hi = 0;
  for (const node of seq) {
    const w = nodeWidth(node);
    lo += w.lo;
    hi += w.hi;
  }
  return { lo, hi };
}

function alternationWidth(alt: Alternation): Width {
  let lo = UNBOUNDED;
  let hi = 0;
  for (const seq of alt) {
    const w = sequenceWidth(seq);
    lo = Math.min(lo, w.lo);
    hi = Math.max(hi, w.hi);
  }
  return { lo: alt.length ? lo : 0, hi };
}

/**
 * A frame on the way from the root to a node: which branch of which alternation, which repeat,
 * which lookaround. Two paths share a frame when they are inside the same construct.
 */
type Frame = { kind: 'branch'; alt: Alternation; index: number } | { kind: 'repeat'; node: Node; min: number } | { kind: 'look'; node: Node };

function sameFrame(a: Frame, b: Frame): boolean {
  if (a.kind === 'branch' && b.kind === 'branch') return a.alt === b.alt && a.index === b.index;
  if (a.kind === 'repeat' && b.kind === 'repeat') return a.node === b.node;
  if (a.kind === 'look' && b.kind === 'look') return a.node === b.node;
  return false;
}

/** A group inside this frame is sure to have matched whenever the code after the frame runs. */
function isMandatory(frame: Frame): boolean {
  if (frame.kind === 'branch') return frame.alt.length === 1;
  if (frame.kind === 'repeat') return frame.min >= 1;
  return false;
}

interface Walk {
  groupFrames: Map<number, Frame[]>;
  insideLookbehind: boolean;
}

function walkAlternation(alt: Alternation, frames: Frame[], walk: Walk): void {
  alt.forEach((seq, index) => {
    const inner = [...frames, { kind: 'branch' as const, alt, index }];
    for (const node of seq) walkNode(node, inner, walk);
  });
}

function walkNode(node: Node, frames: Frame[], walk: Walk): void {
  switch (node.type) {
    case 'group':
      walkAlternation(node.body, frames, walk);
      if (node.index !== null) walk.groupFrames.set(node.index, frames);
      return;
    case 'look': {
      if (node.behind) {
        const w = alternationWidth(node.body);
        if (w.lo !== w.hi) throw new PyRegexError('look-behind requires a fixed-width pattern', node.pos);
      }
      const outer = walk.insideLookbehind;
      walk.insideLookbehind = outer || node.behind;
      walkAlternation(node.body, [...frames, { kind: 'look', node }], walk);
      walk.insideLookbehind = outer;
      return;
    }
    case 'repeat': {
      // Python 2.7 before 2.7.6 (XenServer 7 dom0 has 2.7.5) refuses an unbounded repeat of
      // something that can match empty, e.g. (a*)* or (.*)?; refuse it too.
      const w = nodeWidth(node.item);
      if (w.lo === 0 && w.hi === UNBOUNDED) {
        throw new PyRegexError('nothing to repeat: the repeated part can match an empty string without limit (Python 2.7 before 2.7.6 refuses this)', node.pos, 'unsupported');
      }
      walkNode(node.item, [...frames, { kind: 'repeat', node, min: node.min }], walk);
      return;
    }
    case 'backref': {
      if (walk.insideLookbehind) throw new PyRegexError('a backreference inside a look-behind cannot be reproduced faithfully', node.pos, 'unsupported');
      const groupFrames = walk.groupFrames.get(node.group);
      // Python fails a backreference to a group that did not match; JavaScript matches it as
      // empty. Allow only references to groups that are sure to have matched.
      if (!groupFrames) throw new PyRegexError(`\\${node.group} refers to a group that is not closed here`, node.pos, 'unsupported');
      let shared = 0;
      while (shared < groupFrames.length && shared < frames.length && sameFrame(groupFrames[shared]!, frames[shared]!)) shared++;
      if (!groupFrames.slice(shared).every(isMandatory)) {
        throw new PyRegexError(
          `\\${node.group} refers to a group that may not have matched (it sits in an optional part, a repeat or one side of |); this cannot be reproduced faithfully`,
          node.pos,
          'unsupported',
        );
      }
      return;
    }
    default:
      return;
  }
}

export function checkPattern(parsed: ParsedPattern): void {
  walkAlternation(parsed.body, [], { groupFrames: new Map(), insideLookbehind: false });
}
