/**
 * The select screen's keys, as a pure table from ONE key (splitKeys: Ink's events can hold
 * several) to what it does, so the bindings are tested without a terminal and the help screen
 * and bar list the same keys.
 */
import type { Key } from 'ink';
import type { SelectAction } from './selection.js';

export type SelectCommand =
  | SelectAction
  | { type: 'open-filter' }
  | { type: 'backup-dir' }
  | { type: 'preview' }
  | { type: 'save' }
  | { type: 'run' }
  | { type: 'help' }
  | { type: 'backups' }
  | { type: 'quit' };

export function commandForKey(input: string, key: Partial<Key>): SelectCommand | null {
  if (key.upArrow) return { type: 'move', move: 'up' };
  if (key.downArrow) return { type: 'move', move: 'down' };
  if (key.pageUp) return { type: 'move', move: 'page-up' };
  if (key.pageDown) return { type: 'move', move: 'page-down' };
  if (key.home) return { type: 'move', move: 'home' };
  if (key.end) return { type: 'move', move: 'end' };
  if (key.return) return { type: 'run' };
  // ctrl-k is not k, and Esc (reported as meta) is no command here.
  if (key.ctrl || key.meta) return null;
  switch (input) {
    case 'k':
      return { type: 'move', move: 'up' };
    case 'j':
      return { type: 'move', move: 'down' };
    case 'g':
      return { type: 'move', move: 'home' };
    case 'G':
      return { type: 'move', move: 'end' };
    case ' ':
      return { type: 'toggle' };
    case 'a':
      return { type: 'toggle-all' };
    case '/':
      return { type: 'open-filter' };
    case 'm':
      return { type: 'cycle-mode' };
    case '+':
    case '=':
      return { type: 'keep', delta: 1 };
    case '-':
    case '_':
      return { type: 'keep', delta: -1 };
    case 'x':
      return { type: 'exclude' };
    case 'D':
      return { type: 'vdi-disks' };
    case 'b':
      return { type: 'backup-dir' };
    case 'p':
      return { type: 'preview' };
    case 's':
      return { type: 'save' };
    case '?':
      return { type: 'help' };
    case 'r':
      return { type: 'backups' };
    case 'q':
      return { type: 'quit' };
    default:
      return null;
  }
}

/** [keys, what] for the help screen; the bar shows a short form of the same. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move'],
  ['PgUp PgDn', 'move a page'],
  ['Home End  g G', 'first / last VM'],
  ['space  a', 'select / unselect the VM; a: every VM shown'],
  ['/', 'filter like a cfg selector: exact simple name or re.match regex'],
  ['m', 'mode: XVA (vm-export), VDI raw, VDI vhd (vdi-export), delta (incremental)'],
  ['D', 'VDI modes: boot disk only (as VmBackup.py) / every disk'],
  ['+ -', 'keep N backups of this VM (:N); at max_backups no :N is written'],
  ['x', 'exclude the VM (an exclude= line; x again restores it)'],
  ['b', 'change backup_dir (remembered for next time)'],
  ['p', 'preview the plan: sizes, free space, what retention deletes'],
  ['s', 'save the selection as a cfg for headless runs'],
  ['enter', 'back up the selection now (asks first)'],
  ['r', 'the backups in backup_dir: browse them, restore one'],
  ['?', 'this help'],
  ['q', 'quit (asks when the selection is not saved)'],
];
