/**
 * Splits a cfg file into numbered, decoded lines. Only "\n" ends a line, as when Python 2 reads
 * a file on Linux; a "\r" before it is stripped later with the other whitespace. Each line is
 * decoded on its own, so one bad line is reported without losing the rest.
 */
import { byteLines, decodeLine } from '../util/byte-lines.js';
import { EXCERPT_CHARS, excerpt } from './excerpt.js';
import type { IssueList } from './issues.js';
import { MAX_LINE_BYTES, sizeText } from './limits.js';

export interface SourceLine {
  /** 1-based line number. */
  number: number;
  text: string;
}

/** The start of an over-long line, decoded leniently: enough for its author to recognise it. */
function lineStart(raw: Uint8Array): string {
  return excerpt(new TextDecoder('utf-8').decode(raw.subarray(0, EXCERPT_CHARS * 4)), 40);
}

export function splitLines(input: Uint8Array | string, issues: IssueList): SourceLine[] {
  const lines: SourceLine[] = [];
  byteLines(input).forEach((raw, i) => {
    if (raw.length > MAX_LINE_BYTES) {
      // Read no further into it: decoding and parsing a multi-megabyte regex took 39 s and 2 GB.
      issues.error(
        i + 1,
        `this line is ${raw.length} bytes long, over the limit of ${sizeText(MAX_LINE_BYTES)}: "${lineStart(raw)}"`,
        'split a long selection over several lines (each vm-export=, vdi-export= and exclude= line adds to the others)',
      );
      return;
    }
    let text = decodeLine(raw);
    if (text === null) {
      issues.error(i + 1, 'this line is not valid UTF-8', 'save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8');
      return;
    }
    if (i === 0 && text.startsWith('\uFEFF')) {
      text = text.slice(1);
      issues.warning(1, 'the file starts with a UTF-8 byte-order mark; the original script reads it as part of the first line and fails', "remove it: sed -i '1s/^\\xEF\\xBB\\xBF//' FILE");
    }
    lines.push({ number: i + 1, text });
  });
  return lines;
}
