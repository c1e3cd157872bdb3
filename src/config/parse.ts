/**
 * Reads a legacy VmBackup cfg file (spec §2) plus our `#vmbackup:` directives into a CfgModel.
 *
 * Where the original script works, we read the file exactly as it does. Where it crashes or
 * silently misbehaves (a line without "=", a repeated key, `max_backups=3 # keep`, `:0`, an
 * indented comment...), we report an error or a warning naming the line and the fix. Every
 * problem is collected in one pass; nothing here throws except parseConfigOrThrow.
 */
import { DELTA_DIRECTIVE, DIRECTIVE_BY_KEY, DIRECTIVE_KEYS, DIRECTIVE_PREFIX, DIRECTIVES } from './directives.js';
import { ConfigError, type ConfigIssue, IssueList } from './issues.js';
import { SCALAR_BY_CFG_KEY, SCALAR_KEYS, SELECTION_KEYS } from './legacy-keys.js';
import { splitLines, type SourceLine } from './lines.js';
import { emptyModel, type CfgModel, type LegacySettings, type SelectionAction } from './model.js';
import type { ScalarDirective } from './directives.js';
import { pyStrip } from './python-text.js';
import { parseDeltaValue, parseSelectionValue } from './selector-value.js';
import { suggestKey } from './suggest.js';
import { excerpt } from './excerpt.js';

export interface ParseOptions {
  /** How the file is named in messages, e.g. "weekend.cfg". */
  file: string;
  /** The legacy `ignore_extra_keys=true` command-line option. */
  ignoreExtraKeys?: boolean;
}

export interface ParseResult {
  model: CfgModel;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

type Classified =
  | { kind: 'skip' }
  | { kind: 'directive'; line: SourceLine; body: string }
  | { kind: 'setting'; line: SourceLine };

/** Comment, blank, directive or setting: the original's rule is `#` in column 1 or blank. */
function classify(line: SourceLine, issues: IssueList): Classified {
  const { text, number } = line;
  if (text.startsWith('#')) {
    if (text.startsWith(DIRECTIVE_PREFIX)) return { kind: 'directive', line, body: text.slice(DIRECTIVE_PREFIX.length) };
    if (/^#\s+vmbackup\s*:\s*[A-Za-z_]+\s*=/.test(text)) {
      issues.warning(number, 'this comment looks like a directive but is not one, so it has no effect', 'write it as #vmbackup: key=value, with no space after #');
    }
    return { kind: 'skip' };
  }
  const stripped = pyStrip(text);
  if (stripped === '') return { kind: 'skip' };
  if (stripped.startsWith('#')) {
    if (stripped.startsWith(DIRECTIVE_PREFIX)) {
      issues.error(number, 'a #vmbackup: directive must start in column 1; the original script fails on this line', 'remove the spaces before #vmbackup:');
    } else {
      issues.warning(number, 'indented comment: the original script treats it as a setting line and fails on it', 'move the # to column 1');
    }
    return { kind: 'skip' };
  }
  return { kind: 'setting', line };
}

/** Column (1-based, in characters) of the first non-space character after index `from`. */
function valueColumn(text: string, from: number): number {
  let i = from;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  return [...text.slice(0, i)].length + 1;
}

/** A key may be set once per file: reports the second line and tells the caller to skip it. */
function isRepeat(seen: Map<string, number>, key: string, line: number, issues: IssueList, why = ''): boolean {
  const first = seen.get(key);
  if (first !== undefined) {
    issues.error(line, `${key} is set twice (lines ${first} and ${line})${why}`, 'keep one of the two lines');
    return true;
  }
  seen.set(key, line);
  return false;
}

function readDirective(source: SourceLine, body: string, model: CfgModel, seen: Map<string, number>, issues: IssueList): void {
  const line = source.number;
  const eq = body.indexOf('=');
  const key = pyStrip(eq === -1 ? body : body.slice(0, eq));
  if (eq === -1 || key === '') {
    issues.error(line, 'a #vmbackup: directive must be key=value', 'write e.g. #vmbackup: compress=zstd');
    return;
  }
  const value = pyStrip(body.slice(eq + 1));
  if (key === DELTA_DIRECTIVE.key) {
    // Repeatable, in file order; the column places a regex error inside the line.
    const column = valueColumn(source.text, DIRECTIVE_PREFIX.length + eq + 1);
    const entry = parseDeltaValue(value, { issues, line, column });
    if (entry) (model.directives.delta ??= []).push(entry);
    return;
  }
  const prop = DIRECTIVE_BY_KEY.get(key);
  if (prop === undefined) {
    const guess = suggestKey(key, [...DIRECTIVE_KEYS]);
    issues.error(line, `unknown directive key "${excerpt(key)}"`, guess ? `did you mean #vmbackup: ${guess}=...?` : `known keys: ${DIRECTIVE_KEYS.join(', ')}`);
    return;
  }
  if (isRepeat(seen, `#vmbackup: ${key}`, line, issues)) return;
  const result = DIRECTIVES[prop].read(value);
  if (!result.ok) {
    issues.error(line, result.message, result.hint);
    return;
  }
  (model.directives as Record<ScalarDirective, unknown>)[prop] = result.value;
}

function unknownKeyHint(key: string): string {
  if (DIRECTIVE_KEYS.includes(key)) {
    return `the original script has no "${excerpt(key)}" key; write it as "#vmbackup: ${key}=..." so both tools can read the file`;
  }
  const guess = suggestKey(key, [...SCALAR_BY_CFG_KEY.keys(), ...SELECTION_KEYS]);
  return guess ? `did you mean ${guess}? (keys are case-sensitive)` : `the keys are ${[...SCALAR_BY_CFG_KEY.keys(), ...SELECTION_KEYS].join(', ')}`;
}

function readSetting(line: SourceLine, model: CfgModel, seen: Map<string, number>, ignoreExtraKeys: boolean, issues: IssueList): void {
  const { text, number } = line;
  const stripped = pyStrip(text);
  const parts = stripped.split('=');
  if (parts.length === 1) {
    issues.error(number, `"${excerpt(stripped)}" is not key=value`, 'write key=value, or start a comment with # in column 1');
    return;
  }
  if (parts.length > 2) {
    issues.error(
      number,
      `"${excerpt(stripped)}" has ${parts.length - 1} "=" signs; the original splits on every "=" and fails`,
      'a value cannot contain "="; inside a regex write \\x3d instead',
    );
    return;
  }
  const key = pyStrip(parts[0]!);
  const value = pyStrip(parts[1]!);
  const eqIndex = text.indexOf('=');

  if ((SELECTION_KEYS as readonly string[]).includes(key)) {
    const entry = parseSelectionValue(key as SelectionAction, value, { issues, line: number, column: valueColumn(text, eqIndex + 1) });
    if (entry) model.selections.push(entry);
    return;
  }

  const prop = SCALAR_BY_CFG_KEY.get(key);
  if (prop === undefined) {
    if (ignoreExtraKeys) issues.warning(number, `ignoring unknown key "${excerpt(key)}" (ignore_extra_keys is on)`, unknownKeyHint(key));
    else issues.error(number, `unknown key "${excerpt(key)}"`, `${unknownKeyHint(key)}; or run with ignore_extra_keys=true`);
    return;
  }
  if (isRepeat(seen, key, number, issues, '; the original script fails on a repeated key')) return;
  const result = SCALAR_KEYS[prop].read(value);
  if (!result.ok) {
    issues.error(number, result.message, result.hint);
    return;
  }
  if (/^['"]/.test(value)) {
    issues.warning(number, `${key}=${excerpt(value)} starts with a quote: quotes are kept as part of the value`, 'remove the quotes');
  }
  (model.settings as Record<keyof LegacySettings, unknown>)[prop] = result.value;
}

export function parseConfig(input: Uint8Array | string, options: ParseOptions): ParseResult {
  const issues = new IssueList(options.file);
  const model = emptyModel();
  const classified = splitLines(input, issues).map((line) => classify(line, issues));

  // Directives first: `#vmbackup: ignore_extra_keys=true` applies to the whole file.
  const seenDirectives = new Map<string, number>();
  for (const c of classified) {
    if (c.kind === 'directive') readDirective(c.line, c.body, model, seenDirectives, issues);
  }
  const ignoreExtraKeys = options.ignoreExtraKeys ?? model.directives.ignoreExtraKeys ?? false;
  const seenKeys = new Map<string, number>();
  for (const c of classified) {
    if (c.kind === 'setting') readSetting(c.line, model, seenKeys, ignoreExtraKeys, issues);
  }
  issues.items.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { model, errors: issues.errors, warnings: issues.warnings };
}

/** parseConfig for callers that want a valid model or an exception listing every error. */
export function parseConfigOrThrow(input: Uint8Array | string, options: ParseOptions): { model: CfgModel; warnings: ConfigIssue[] } {
  const result = parseConfig(input, options);
  if (result.errors.length > 0) throw new ConfigError([...result.errors, ...result.warnings]);
  return { model: result.model, warnings: result.warnings };
}
