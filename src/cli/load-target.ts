/** Turns "a cfg file" or "a selector on the command line" into a model plus its problems. */
import { type ConfigIssue, type CfgModel, parseConfig, parseSelectorArgument } from '../config/index.js';
import type { CliIo } from '../access/io.js';
import { MAX_CFG_BYTES } from '../config/limits.js';
import { readInputFile } from './read-input.js';

export type Target = { kind: 'config'; path: string } | { kind: 'selector'; text: string };

export interface LoadedTarget {
  model: CfgModel;
  issues: ConfigIssue[];
  /** How the source is named in reports ("weekend.cfg", or the selector text). */
  source: string;
}

export async function loadTarget(target: Target, io: CliIo, ignoreExtraKeys: boolean | undefined): Promise<LoadedTarget> {
  if (target.kind === 'selector') {
    const r = parseSelectorArgument(target.text);
    return { model: r.model, issues: [...r.errors, ...r.warnings], source: target.text };
  }
  const bytes = await readInputFile(io.cwd, target.path, 'cfg file', MAX_CFG_BYTES);
  const r = parseConfig(bytes, { file: target.path, ...(ignoreExtraKeys === undefined ? {} : { ignoreExtraKeys }) });
  const issues = [...r.errors, ...r.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { model: r.model, issues, source: target.path };
}

