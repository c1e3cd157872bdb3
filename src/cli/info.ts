/** `vmbackup help`, `config`, `example` (and --help): the texts of usage.ts. */
import { EXIT } from './exit-codes.js';
import type { CliIo } from '../access/io.js';
import type { InfoWord } from './legacy-args.js';
import { CONFIG_HELP, EXAMPLES, HELP } from './usage.js';

const INFO_TEXT: Record<InfoWord, string> = { help: HELP, config: CONFIG_HELP, example: EXAMPLES };

export function printInfo(io: CliIo, words: readonly InfoWord[]): number {
  io.stdout(words.map((w) => INFO_TEXT[w]).join('\n'));
  return EXIT.OK;
}
