/**
 * How a VM name is written into a cfg so that the original script (Python 2, byte strings)
 * selects exactly that VM, and our parser reads it back as the same name.
 *
 * - A legacy simple name (letters, digits, `_`, `-`, inner spaces) is written as-is: the
 *   original compares it with `==`.
 * - Anything else becomes a regex of the name's literal bytes followed by `$`. `re.match` is
 *   anchored at the front, `$` anchors the end. Bytes that would break the line grammar or
 *   Python 2 matching are written as `\xHH`: `:` (the :N separator), `=` (the key separator),
 *   control characters, edge spaces (the value is stripped) and every non-ASCII byte (Python 2
 *   compares bytes, so "é" must be the two bytes \xc3\xa9). Other punctuation gets a backslash.
 */
import { isSimpleName, pyStrip } from './python-text.js';

const encoder = new TextEncoder();

/** True when the name can be written verbatim and still be read back as the same VM. */
export function writesVerbatim(name: string): boolean {
  return isSimpleName(name) && !/[\n\r]/.test(name) && pyStrip(name) === name;
}

function hex(b: number): string {
  return '\\x' + b.toString(16).padStart(2, '0');
}

export function nameAsExactRegex(name: string): string {
  const bytes = encoder.encode(name);
  let out = '';
  bytes.forEach((b, i) => {
    const edge = i === 0 || i === bytes.length - 1;
    if (b >= 0x80 || b < 0x20 || b === 0x7f || b === 0x3a || b === 0x3d || (b === 0x20 && edge)) out += hex(b);
    else if (/[A-Za-z0-9_ -]/.test(String.fromCharCode(b))) out += String.fromCharCode(b);
    else out += '\\' + String.fromCharCode(b);
  });
  return out + '$';
}

/** The selector text for one VM name. */
export function nameSelectorText(name: string): string {
  return writesVerbatim(name) ? name : nameAsExactRegex(name);
}
