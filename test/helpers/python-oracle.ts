/**
 * Asks a real Python (python3, with *bytes* patterns: ASCII-only \w \s \d and byte-wise
 * matching, as Python 2 on str) what re.match says. One process answers a whole batch.
 */
import { spawnSync } from 'node:child_process';

export interface OracleCase {
  pattern: string;
  subjects: string[];
}

/** null where Python's backtracking took too long to answer (it happens with nested lazy repeats). */
export type OracleAnswer = { error: string } | { matches: (boolean | null)[] };

const SCRIPT = `
import base64, json, re, signal, sys, warnings
warnings.simplefilter('ignore')
class Slow(Exception): pass
def on_alarm(*_): raise Slow()
signal.signal(signal.SIGALRM, on_alarm)
def match(rx, s):
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        return rx.match(s) is not None
    except Slow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
out = []
for case in json.load(sys.stdin):
    pat = base64.b64decode(case['p'])
    try:
        rx = re.compile(pat)
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)})
        continue
    out.append({'matches': [match(rx, base64.b64decode(s)) for s in case['s']]})
json.dump({'version': list(sys.version_info[:2]), 'answers': out}, sys.stdout)
`;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export interface OracleReply {
  /** [major, minor] of the python3 that answered. */
  version: [number, number];
  answers: OracleAnswer[];
}

export function askPython(cases: OracleCase[]): OracleReply {
  const input = JSON.stringify(cases.map((c) => ({ p: b64(c.pattern), s: c.subjects.map(b64) })));
  const r = spawnSync('python3', ['-c', SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as OracleReply;
}
