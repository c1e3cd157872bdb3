/**
 * Text made safe for one line of a log: control characters written as escapes. VM names are
 * free text in XAPI; a newline in one split a log line (the next line had no timestamp), a NUL
 * made grep call the status log a binary file, and an ESC moves a terminal's cursor.
 *
 * One notation everywhere (console log, status log, mail, TUI, cfg messages): \n, \r and \t
 * by name, other C0 controls, DEL and C1 controls as \xHH, the Unicode line and paragraph
 * separators as \u2028 and \u2029. A backslash is left as it is: doubling it would change every
 * regex quoted in a message; the JSON report has the exact name when it matters.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

export function escapeControls(text: string): string {
  return text.replace(CONTROL, escape);
}
