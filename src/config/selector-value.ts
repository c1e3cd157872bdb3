/**
 * Reads the value of a `vm-export=`, `vdi-export=` or `exclude=` line: the selector (simple name
 * or Python regex) and the optional `:N` retention override. Shared by the cfg parser and the
 * legacy command-line selector (`vmbackup PASS 'vm-export=DEV.*:2'`).
 */
import { compilePythonRegex, RegexSyntaxError } from '../pyre/index.js';
import type { IssueList } from './issues.js';
import type { DeltaLine, SelectionAction, SelectionLine, Selector } from './model.js';
import { writesVerbatim } from './name-escape.js';
import { isSimpleName, parsePythonInt } from './python-text.js';
import { excerpt } from './excerpt.js';

export interface ValueContext {
  issues: IssueList;
  line: number | null;
  /** 1-based column where the value starts, to place regex errors. */
  column: number;
}

/**
 * A selector as the original classifies it: a simple name is compared with `==`, anything else is
 * a regex. A regex that is plain literal text plus `$`, for a name the writer cannot write
 * verbatim, is what formatConfig writes for that name, so it reads back as that name.
 */
export function classifySelector(text: string, ctx: ValueContext): Selector | null {
  if (isSimpleName(text)) return { kind: 'name', name: text };
  try {
    const compiled = compilePythonRegex(text);
    if (compiled.exactName !== null && !writesVerbatim(compiled.exactName)) return { kind: 'name', name: compiled.exactName };
    return { kind: 'pattern', pattern: text };
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    ctx.issues.error(
      ctx.line,
      `invalid regex "${excerpt(text)}": ${err.reason}`,
      'fix the pattern (Python 2 re syntax; test it with `vmbackup preview`)',
      ctx.column + err.column - 1,
    );
    return null;
  }
}

function warnAboutValue(text: string, ctx: ValueContext): void {
  if (/[ \t]#/.test(text)) {
    ctx.issues.warning(ctx.line, `"${excerpt(text)}" contains " #": there are no inline comments, so it is part of the selector`, 'put the comment on its own line');
  }
  if (/^['"]/.test(text)) {
    ctx.issues.warning(ctx.line, `"${excerpt(text)}" starts with a quote: quotes are kept as part of the value`, 'remove the quotes');
  }
}

export function parseSelectionValue(action: SelectionAction, value: string, ctx: ValueContext): SelectionLine | null {
  const at = ctx.line === null ? {} : { line: ctx.line };
  if (action === 'exclude') {
    if (value === '') {
      ctx.issues.warning(ctx.line, 'exclude= with no value is ignored (the original 3.2+ ignores it too)', 'name the VMs to exclude, or remove the line');
      return null;
    }
    warnAboutValue(value, ctx);
    if (value.includes(':')) {
      ctx.issues.warning(
        ctx.line,
        `exclude=${excerpt(value)}: exclude takes no :N, so the whole value is read as a regex that must match the ":" too`,
        'remove the :N from exclude lines',
      );
    }
    const selector = classifySelector(value, ctx);
    return selector && { action, selector, ...at };
  }

  const parts = value.split(':');
  if (parts.length > 2) {
    ctx.issues.error(
      ctx.line,
      `${action}=${excerpt(value)} has more than one ":"; the original drops everything after the second ":" without a word`,
      'a ":" inside a VM name or regex must be written \\x3a; only the :N retention suffix uses ":"',
    );
    return null;
  }
  const text = parts[0]!;
  const suffix = parts[1];
  let maxBackups: number | undefined;
  if (suffix !== undefined) {
    const n = parsePythonInt(suffix);
    if (suffix === '') {
      ctx.issues.warning(ctx.line, `${action}=${excerpt(value)} has an empty :N; the global max_backups applies`, 'remove the ":" or give a number');
    } else if (n === null || n < 1) {
      // The original accepts :0 and :-3 (a string/int comparison that is always true) and then
      // quietly uses the global max_backups; we refuse instead.
      ctx.issues.error(ctx.line, `${action}=${excerpt(value)}: the :N after the selector must be a whole number of at least 1`, `write e.g. ${action}=${excerpt(text)}:3`);
      return null;
    } else {
      maxBackups = n;
    }
  }
  const n = maxBackups === undefined ? {} : { maxBackups };
  if (text === '') {
    if (action === 'vdi-export') {
      ctx.issues.warning(ctx.line, 'vdi-export= with no VM is ignored (the original 3.2+ ignores it too)', 'name the VMs, or remove the line');
      return null;
    }
    ctx.issues.warning(ctx.line, 'vm-export= with an empty selector selects every VM in the pool, as the original does', 'write vm-export=.* to say so plainly');
    return { action, selector: { kind: 'pattern', pattern: '' }, ...n, ...at };
  }
  warnAboutValue(text, ctx);
  if (text !== text.trim() && suffix !== undefined) {
    ctx.issues.warning(
      ctx.line,
      `"${excerpt(text)}" has a space before ":": it is part of the name, so only a VM whose name has that space matches`,
      `write ${action}=${excerpt(text.trim())}:${suffix.trim()}`,
    );
  }
  const selector = classifySelector(text, ctx);
  return selector && { action, selector, ...n, ...at };
}

/**
 * The value of a `#vmbackup: delta=` line: one selector as vm-export= takes it, with no :N
 * (retention stays on the vm-export= line) and never empty (a delta for every VM says `.*`).
 */
export function parseDeltaValue(value: string, ctx: ValueContext): DeltaLine | null {
  if (value === '') {
    ctx.issues.error(ctx.line, 'delta= needs a selector', 'write e.g. #vmbackup: delta=web-01, or #vmbackup: delta=.* for every vm-export VM');
    return null;
  }
  const colon = value.indexOf(':');
  if (colon !== -1) {
    const before = value.slice(0, colon);
    ctx.issues.error(
      ctx.line,
      `delta=${excerpt(value)} has a ":": delta= takes no :N, the vm-export= line keeps the retention`,
      /^[0-9]+$/.test(value.slice(colon + 1).trim()) ? `write #vmbackup: delta=${excerpt(before)}` : 'a ":" inside a VM name or regex must be written \\x3a',
      ctx.column + [...before].length,
    );
    return null;
  }
  warnAboutValue(value, ctx);
  const selector = classifySelector(value, ctx);
  return selector && (ctx.line === null ? { selector } : { selector, line: ctx.line });
}
