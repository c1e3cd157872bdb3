/**
 * How much of a cfg file vmbackup reads. Python reads any size; we bound it so that a wrong
 * path (`--config /dev/zero` grew to 6.4 GB in a minute) or a runaway line fails at once with
 * its file and line, instead of exhausting memory or crashing in the regex engine.
 *
 * - A line: 16 KiB, the longest regex pyre/ accepts. A long alternation of VM names is a few KB
 *   (200 names of 20 characters are 4 KB); a path is at most 4 KiB (PATH_MAX). A longer
 *   selection is split over several lines, which add up: nothing needs a longer line.
 * - A file: 1 MiB. Real cfgs are a few KB; one line per VM for 10,000 VMs is about 400 KB.
 */
import { MAX_PATTERN_BYTES } from '../pyre/index.js';

export const MAX_LINE_BYTES = MAX_PATTERN_BYTES;
export const MAX_CFG_BYTES = 1024 * 1024;

/** "16 KiB", "1 MiB": limits as people write them. */
export function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
