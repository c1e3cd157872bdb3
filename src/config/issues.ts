/**
 * Problems found in a cfg file (or a VM-names file). The parser and the scope resolver collect
 * them all in one pass, so a user fixes a file once instead of once per error.
 */
import { VmbackupError } from '../errors.js';
import { escapeControls } from '../util/escape-controls.js';

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  severity: Severity;
  /** File the problem is in, as the user named it (or a label such as "<command line>"). */
  file: string;
  /** 1-based line, or null when the problem belongs to no single line. */
  line: number | null;
  /** 1-based column within the line, when it is known (regex errors). */
  column?: number;
  message: string;
  /** What to change to fix it. */
  hint?: string;
}

/** `weekend.cfg:12:7: error: message; fix: hint`, one line, so `grep` finds it. */
export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== null) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  const fix = issue.hint ? `; fix: ${issue.hint}` : '';
  // Messages quote VM names, which may hold a newline: escaped, the issue stays one line.
  return escapeControls(`${where}: ${issue.severity}: ${issue.message}${fix}`);
}

/** Small builder so parsers read as a list of rules rather than object literals. */
export class IssueList {
  readonly items: ConfigIssue[] = [];

  constructor(private readonly file: string) {}

  error(line: number | null, message: string, hint?: string, column?: number): void {
    this.push('error', line, message, hint, column);
  }

  warning(line: number | null, message: string, hint?: string, column?: number): void {
    this.push('warning', line, message, hint, column);
  }

  get errors(): ConfigIssue[] {
    return this.items.filter((i) => i.severity === 'error');
  }

  get warnings(): ConfigIssue[] {
    return this.items.filter((i) => i.severity === 'warning');
  }

  private push(severity: Severity, line: number | null, message: string, hint?: string, column?: number): void {
    const issue: ConfigIssue = { severity, file: this.file, line, message };
    if (column !== undefined) issue.column = column;
    if (hint !== undefined) issue.hint = hint;
    this.items.push(issue);
  }
}

/** Thrown where a caller wants "valid or nothing": carries every error found, not just the first. */
export class ConfigError extends VmbackupError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], message?: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    const first = errors[0] ?? issues[0];
    super(
      'CONFIG_INVALID',
      message ?? (first ? formatIssue(first) + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '') : 'invalid configuration'),
      first?.hint,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
