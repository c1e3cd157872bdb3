/**
 * Python 2 matched byte strings: a VM name as `xe` prints it is UTF-8 bytes, and a cfg regex is
 * bytes too, so `.` matches one byte of "é", not one character.
 *
 * JavaScript regexes work on UTF-16 code units, so we carry bytes in a string: bytes below 0x80
 * stay as themselves, bytes 0x80..0xFF become U+E080..U+E0FF (Private Use Area). Mapping the high
 * bytes away from Latin-1 matters: with the `i` flag JS would case-fold byte 0xC3 ("Ã") with
 * 0xE3 ("ã"), and `\s` would match 0xA0; Python 2 does neither. PUA characters have no case and
 * are not whitespace, so JS treats them exactly as Python treats high bytes.
 */

const HIGH_BASE = 0xe000;
const encoder = new TextEncoder();

/** UTF-8 bytes of a JS string. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The code unit standing for byte `b` in a mapped string. */
export function byteUnit(b: number): number {
  return b < 0x80 ? b : HIGH_BASE + b;
}

/** A VM name (or any text) as the mapped byte string the compiled regex runs against. */
export function toByteString(s: string): string {
  const bytes = utf8Bytes(s);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(byteUnit(b));
  return out;
}

/** The UTF-8 bytes of `s` as one char per byte (code 0..255): the parser's input form. */
export function byteChars(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) out += String.fromCharCode(b);
  return out;
}

/** Decode bytes as UTF-8, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
