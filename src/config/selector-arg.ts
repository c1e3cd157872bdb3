/**
 * The VM selector given on the legacy command line instead of a cfg file:
 * `NAME`, `REGEX`, `vm-export=SEL` or `vdi-export=SEL`, each with an optional `:N`. In this mode
 * the original had no excludes and no duplicate pass; one selector needs neither.
 */
import { IssueList } from './issues.js';
import { emptyModel, type ExportMode } from './model.js';
import type { ParseResult } from './parse.js';
import { parseSelectionValue } from './selector-value.js';
import { excerpt } from './excerpt.js';

export const COMMAND_LINE = '<command line>';

export function parseSelectorArgument(text: string): ParseResult {
  const issues = new IssueList(COMMAND_LINE);
  const model = emptyModel();
  const parts = text.split('=');
  let action: ExportMode = 'vm-export';
  let value = text;
  if (parts.length === 2) {
    if (parts[0] !== 'vm-export' && parts[0] !== 'vdi-export') {
      issues.error(null, `"${excerpt(text)}": the part before "=" must be vm-export or vdi-export`, "write e.g. 'vm-export=DEV-.*' or 'vdi-export=DEV-mySql'");
      return { model, errors: issues.errors, warnings: issues.warnings };
    }
    action = parts[0];
    value = parts[1]!;
  } else if (parts.length > 2) {
    issues.error(null, `"${excerpt(text)}" has more than one "="`, 'a "=" inside a regex must be written \\x3d');
    return { model, errors: issues.errors, warnings: issues.warnings };
  }
  const entry = parseSelectionValue(action, value, { issues, line: null, column: text.length - value.length + 1 });
  if (entry) model.selections.push(entry);
  return { model, errors: issues.errors, warnings: issues.warnings };
}
