/**
 * Text safe to show on one line: a VM name on a TUI row, or a whole log, status-log or mail
 * line at its sink. The notation (\n, \t, \x00...) is util/escape-controls.ts's, shared with the
 * cfg messages, so a name reads the same on screen, in the logs and in the mail.
 */
export { escapeControls as printable } from '../util/escape-controls.js';
