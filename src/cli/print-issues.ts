import { type ConfigIssue, formatIssue } from '../config/index.js';
import type { CliIo } from '../access/io.js';

/** Warnings and errors of a cfg, one grep-able line each, on stderr. True when any is an error. */
export function reportIssues(io: CliIo, issues: ConfigIssue[]): boolean {
  for (const issue of issues) io.stderr(formatIssue(issue) + '\n');
  return issues.some((i) => i.severity === 'error');
}
