/** The config layer's public surface: read, write and resolve settings of legacy cfg files. */
export { parseConfig, parseConfigOrThrow, type ParseOptions, type ParseResult } from './parse.js';
export { formatConfig, type FormatOptions } from './format.js';
export { effectiveSettings, type CommandLineOverrides, type EffectiveSettings } from './effective.js';
export { ConfigError, formatIssue, IssueList, type ConfigIssue } from './issues.js';
export { excerpt } from './excerpt.js';
export { MAX_CFG_BYTES, MAX_LINE_BYTES } from './limits.js';
export { LEGACY_DEFAULTS } from './legacy-keys.js';
export { DEFAULT_FULL_EVERY, DELTA_DIRECTIVE, DIRECTIVES, DIRECTIVE_KEYS, DIRECTIVE_ORDER, FULL_EVERY_MAX, type ScalarDirective } from './directives.js';
export { nameSelectorText, writesVerbatim } from './name-escape.js';
export { isSimpleName } from './python-text.js';
export { classifySelector, parseDeltaValue, parseSelectionValue } from './selector-value.js';
export * from './model.js';
export { parseSelectorArgument, COMMAND_LINE } from './selector-arg.js';
export { describeLegacyNameProblem, type LegacyNameProblem, type LegacyNameTrap, legacyNameProblems, legacyNameTraps, legacyNameWarning } from './legacy-name-traps.js';
