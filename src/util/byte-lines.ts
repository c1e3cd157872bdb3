/**
 * Splits file content into lines on "\n" only, as Python 2 reads a text file on Linux, keeping
 * each line as bytes so that callers can decode (and report) each line on its own. A final "\n"
 * does not start an extra empty line.
 */
export function byteLines(input: Uint8Array | string): Uint8Array[] {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const lines: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes one line, or returns null when it is not valid UTF-8. */
export function decodeLine(line: Uint8Array): string | null {
  try {
    return strictUtf8.decode(line);
  } catch {
    return null;
  }
}
