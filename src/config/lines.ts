/**
 * Splits a cfg file into numbered, decoded lines. Only "\n" ends a line, as when Python 2 reads
 * a file on Linux; a "\r" before it is stripped later with the other whitespace. Each line is
 * decoded on its own, so one bad line is reported without losing the rest.
 */
import { byteLines, decodeLine } from '../util/byte-lines.js';
import type { IssueList } from './issues.js';

export interface SourceLine {
  /** 1-based line number. */
  number: number;
  text: string;
}

export function splitLines(input: Uint8Array | string, issues: IssueList): SourceLine[] {
  const lines: SourceLine[] = [];
  byteLines(input).forEach((raw, i) => {
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
