/**
 * Writes a CfgModel as cfg text that the original VmBackup.py reads to the same VM scope, and
 * that parseConfig reads back to the same model. Values the grammar cannot carry (a newline, an
 * "=", edge whitespace, a ":" inside a vm-export pattern) are refused with a ConfigError rather
 * than written wrong.
 */
import { compilePythonRegex, RegexSyntaxError } from '../pyre/index.js';
import { DELTA_DIRECTIVE, DIRECTIVE_ORDER, DIRECTIVE_PREFIX, DIRECTIVES } from './directives.js';
import { ConfigError, IssueList } from './issues.js';
import { SCALAR_KEYS, SCALAR_ORDER } from './legacy-keys.js';
import type { CfgModel, DeltaLine, LegacySettings, SelectionLine } from './model.js';
import { nameSelectorText } from './name-escape.js';
import { isSimpleName, pyStrip } from './python-text.js';

export interface FormatOptions {
  /** Comment lines for the top of the file (without the leading "# "). */
  header?: string[];
}

const WHERE = '<config being written>';

/** Directive values may hold "=" (we split on the first one); legacy values may not. */
function checkPlainValue(what: string, value: string, issues: IssueList, allowEquals = false): void {
  if (value === '') issues.error(null, `${what} is empty`, 'give it a value');
  else if (/[\n\r]/.test(value)) issues.error(null, `${what} contains a line break`, 'remove the line break');
  else if (!allowEquals && value.includes('=')) issues.error(null, `${what} contains "=", which the original script cannot read`, 'choose a value without "="');
  else if (pyStrip(value) !== value) issues.error(null, `${what} starts or ends with whitespace, which the reader strips`, 'trim the value');
}

function patternText(entry: Pick<SelectionLine, 'action'> | { action: 'delta' }, pattern: string, issues: IssueList): string | null {
  const what = `${entry.action}=${pattern}`;
  if (pattern === '') {
    if (entry.action === 'vm-export') return '';
    issues.error(null, `${entry.action} with an empty pattern is ${entry.action === 'delta' ? 'refused by our reader' : 'ignored by the original'}`, 'use .* to mean every VM');
    return null;
  }
  if (isSimpleName(pattern)) {
    issues.error(null, `${what}: the original would read this pattern as an exact name`, 'write a name selector, or start the pattern with ^ to keep it a prefix regex');
    return null;
  }
  if (/[\n\r=]/.test(pattern) || pyStrip(pattern) !== pattern || (entry.action !== 'exclude' && pattern.includes(':'))) {
    issues.error(null, `${what}: a pattern in a cfg line cannot hold a line break, "=", edge whitespace or (except in exclude) ":"`, 'write those characters as \\x0a, \\x3d, \\x20 or \\x3a');
    return null;
  }
  try {
    compilePythonRegex(pattern);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    issues.error(null, `${what}: ${err.message}`, 'fix the pattern');
    return null;
  }
  return pattern;
}

/** A delta= line: the selector as vm-export= writes it; it takes no :N, so ":" is refused as there. */
function deltaText(entry: DeltaLine, issues: IssueList): string | null {
  const selector = entry.selector.kind === 'name' ? nameSelectorText(entry.selector.name) : patternText({ action: 'delta' }, entry.selector.pattern, issues);
  return selector === null ? null : `${DIRECTIVE_PREFIX} ${DELTA_DIRECTIVE.key}=${selector}`;
}

function selectionText(entry: SelectionLine, issues: IssueList): string | null {
  const selector = entry.selector.kind === 'name' ? nameSelectorText(entry.selector.name) : patternText(entry, entry.selector.pattern, issues);
  if (selector === null) return null;
  if (entry.maxBackups === undefined) return `${entry.action}=${selector}`;
  if (entry.action === 'exclude' || !Number.isSafeInteger(entry.maxBackups) || entry.maxBackups < 1) {
    issues.error(null, `${entry.action}=${selector}: :${entry.maxBackups} is not allowed here`, 'only vm-export and vdi-export take :N, a whole number of at least 1');
    return null;
  }
  return `${entry.action}=${selector}:${entry.maxBackups}`;
}

export function formatConfig(model: CfgModel, options: FormatOptions = {}): string {
  const issues = new IssueList(WHERE);
  const out: string[] = [];
  for (const line of options.header ?? []) {
    if (/[\n\r]/.test(line)) issues.error(null, 'a header comment contains a line break', 'pass one array item per line');
    out.push(line === '' ? '#' : `# ${line}`);
  }

  for (const prop of DIRECTIVE_ORDER) {
    const value = model.directives[prop];
    if (value === undefined) continue;
    const def = DIRECTIVES[prop] as { key: string; write(v: unknown): string; read(v: string): { ok: boolean } };
    const text = def.write(value);
    checkPlainValue(`#vmbackup: ${def.key}`, text, issues, true);
    if (!def.read(text).ok) issues.error(null, `#vmbackup: ${def.key}=${text} is not a valid value`, 'fix the value');
    out.push(`${DIRECTIVE_PREFIX} ${def.key}=${text}`);
  }
  for (const entry of model.directives.delta ?? []) {
    const text = deltaText(entry, issues);
    if (text !== null) out.push(text);
  }

  for (const prop of SCALAR_ORDER) {
    const value = model.settings[prop];
    if (value === undefined) continue;
    const def = SCALAR_KEYS[prop] as { cfgKey: string; write(v: LegacySettings[typeof prop]): string; read(v: string): { ok: boolean } };
    const text = def.write(value);
    checkPlainValue(def.cfgKey, text, issues);
    if (!def.read(text).ok) issues.error(null, `${def.cfgKey}=${text} is not a valid value`, 'fix the value');
    out.push(`${def.cfgKey}=${text}`);
  }

  if (model.selections.length > 0 && out.length > 0) out.push('');
  for (const entry of model.selections) {
    const text = selectionText(entry, issues);
    if (text !== null) out.push(text);
  }

  if (issues.errors.length > 0) throw new ConfigError(issues.items);
  return out.join('\n') + '\n';
}

