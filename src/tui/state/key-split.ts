/**
 * One keyboard event from Ink, as the single keys it holds.
 *
 * Ink 6 splits escape sequences (arrows, Home, PgDn...) into events of their own, but a run of
 * plain characters that arrives in one read is ONE event: `jjj` held down, `/web.*` typed fast
 * over a laggy ssh link or pasted, two Backspaces (`\x7f\x7f`). Ink then reports no key at all
 * (no `backspace`, no `return`), and comparing the input to one key loses them all. Every
 * handler that takes keys reads them through splitKeys, so every key counts.
 */
import type { Key } from 'ink';

/** One key in Ink's own shape, so the key tables take it as they take a single Ink event. */
export interface KeyPress {
  input: string;
  key: Partial<Key>;
}

/** One code point of a plain run, as Ink would have reported it alone. */
function singleKey(ch: string): KeyPress {
  switch (ch) {
    case '\r':
    case '\n':
      return { input: '', key: { return: true } };
    case '\x7f':
    case '\b':
      return { input: '', key: { backspace: true } };
    case '\t':
      return { input: '', key: { tab: true } };
    case '\x1b':
      return { input: '', key: { escape: true, meta: true } };
  }
  const code = ch.codePointAt(0)!;
  // Ctrl-A..Ctrl-Z arrive as 0x01..0x1a; Ink reports them as the letter with ctrl.
  if (code < 0x20) return { input: String.fromCharCode(code + 0x60), key: { ctrl: true } };
  return { input: ch, key: /^[A-Z]$/.test(ch) ? { shift: true } : {} };
}

/** The keys of one Ink event, in the order they were typed. */
export function splitKeys(input: string, key: Partial<Key>): KeyPress[] {
  // Esc and the next key in one read look like Alt+key ("\x1bb"); the TUI binds no Alt keys,
  // so it is what was typed: Esc, then the key.
  if (key.meta && !key.escape && input !== '' && !key.ctrl) return [{ input: '', key: { escape: true, meta: true } }, ...splitKeys(input, { ...key, meta: false })];
  const chars = Array.from(input);
  if (chars.length <= 1) {
    // A lone Enter that came as "\n" (some terminals, pastes) is still Enter.
    if (input === '\n') return [{ input: '', key: { ...key, return: true } }];
    return [{ input, key }];
  }
  return chars.map(singleKey);
}

/** Backspace as Ink 6.8 reports it alone: "\x7f" comes as `delete` (and so does the Delete key). */
export function isBackspace(press: KeyPress): boolean {
  return Boolean(press.key.backspace || press.key.delete);
}
