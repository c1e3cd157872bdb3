/**
 * A VM name safe to put on one log line. Names are free text in XAPI; a newline or an escape
 * sequence in one must not forge a log line or move the terminal cursor. Ordinary names (spaces
 * and Unicode included) are shown as they are; others are shown JSON-quoted.
 */
export function printable(name: string): string {
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name) ? JSON.stringify(name) : name;
}
