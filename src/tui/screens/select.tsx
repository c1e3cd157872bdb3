/**
 * Select: the pool's VMs in a windowed list with checkboxes, a cfg-selector filter, per-VM mode
 * and keep N. Its output is a CfgModel (tui/state/to-model.ts), handed to the run, preview or
 * save screen through the callbacks; this screen holds no backup logic.
 *
 * Keys: one at a time from the app's key router (hooks/use-keys.tsx), folded through the pure
 * screen machine (state/screen.ts). Its state lives in a ref updated in the handler itself, so a
 * key that arrives before React has drawn the previous one still sees it: nothing typed is
 * lost, however the keys are chunked. `initial` and `onChange` let the app shell keep the choices while
 * another screen is shown.
 */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import stringWidth from 'string-width';
import type { CfgModel } from '../../config/index.js';
import { FilterBar, infoLines } from '../components/filter-bar.js';
import { HelpBar, SELECT_BAR } from '../components/help-bar.js';
import { clipToWidth } from '../components/text-fit.js';
import { diskNote } from '../components/vm-columns.js';
import { VmList } from '../components/vm-list.js';
import type { VmRow } from '../contracts.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import type { KeyPress } from '../state/key-split.js';
import { pressKeys, type ScreenState, screenState } from '../state/screen.js';
import { cursorRow, initialState, isChosen, isVdiMode, reduce, replaceRows, type SelectState } from '../state/selection.js';
import type { ModelBase, SavedFilter } from '../state/to-model.js';
import { HelpScreen } from './help.js';

export interface SelectScreenProps {
  rows: readonly VmRow[];
  base: ModelBase;
  /** A state kept from an earlier visit; its choices follow their VMs into `rows`. */
  initial?: SelectState;
  onChange?(state: SelectState): void;
  onRun(model: CfgModel): void;
  onPreview(model: CfgModel): void;
  /** `filter` is set when the choice is exactly what the filter shows: the save screen offers it. */
  onSave(model: CfgModel, filter: SavedFilter | null): void;
  onQuit(): void;
  /** r: the Backups screen (the catalog of backup_dir, restore). */
  onBackups?(): void;
  /**
   * backup_dir was changed with b (already resolved by resolveDir): the app keeps it in the
   * session and settings, reads the backup ages again, and may return a note to show.
   */
  onBackupDir?(dir: string): string | null | undefined;
  /** How a typed backup_dir becomes the path used (~ expanded, made absolute); default: as typed. */
  resolveDir?(text: string): string;
  /** choiceKey of the selection last saved as a cfg, null when none was: q asks before losing the rest. */
  savedChoice?: string | null;
  /** Terminal size; defaults to stdout's, following resizes (80×24 when unknown). */
  size?: { columns: number; rows: number };
  now?: () => Date;
}

/** Lines around the list and the info lines: title, column header, disk note, filter line, key bar, one spare (Ink redraws the whole screen when a frame fills it). */
const CHROME = 6;

function titleText(base: ModelBase, columns: number, ascii: boolean): string {
  const head = `vmbackup ${base.poolUrl} as ${base.user}, backups in `;
  const tail = ' (b changes it)';
  if (stringWidth(head + base.backupDir + tail) <= columns) return head + base.backupDir + tail;
  // The folder's end says most: it keeps its last part when the line is short.
  return clipToWidth(head + clipToWidth(base.backupDir, Math.max(12, columns - stringWidth(head)), ascii, 'start'), columns, ascii);
}

export function SelectScreen(props: SelectScreenProps) {
  const terminal = useTerminalSize();
  const { ascii } = useTerminal();
  const size = props.size ?? terminal;
  const [now] = useState(() => (props.now ?? (() => new Date()))());
  const [screen, setScreen] = useState<ScreenState>(() => {
    // The page size of a plain list (one info line); an effect below corrects it when it differs.
    const pageSize = Math.max(3, size.rows - CHROME - 1);
    const select = props.initial ? reduce(replaceRows(props.initial, props.rows), { type: 'resize', pageSize }) : initialState(props.rows, { defaultKeep: props.base.maxBackups ?? 4, pageSize });
    return screenState(select);
  });
  // What the key handler reads: the newest state (set by the handler itself) and props.
  const live = useRef({ screen, props });
  live.current.props = props;

  const commit = useCallback((next: ScreenState) => {
    live.current.screen = next;
    setScreen(next);
    // At once, not in an effect: a key that leaves the screen must find the app holding these choices.
    live.current.props.onChange?.(next.select);
  }, []);

  const onKey = useCallback(
    (press: KeyPress) => {
      const { screen: before, props: p } = live.current;
      const ctx = { base: p.base, savedChoice: p.savedChoice ?? null, resolveDir: p.resolveDir ?? ((text: string) => text) };
      const { state, effects } = pressKeys(before, [press], ctx);
      let next = state;
      for (const effect of effects) {
        if (effect.type !== 'backup-dir') continue;
        // Until the app draws us again with the new folder, later keys must see it too.
        live.current.props = { ...p, base: { ...p.base, backupDir: effect.dir } };
        const note = p.onBackupDir?.(effect.dir);
        if (note) next = { ...next, message: note };
      }
      if (next !== before) commit(next);
      const leaving = effects.at(-1);
      if (leaving?.type === 'run') p.onRun(leaving.model);
      else if (leaving?.type === 'preview') p.onPreview(leaving.model);
      else if (leaving?.type === 'save') p.onSave(leaving.model, leaving.filter);
      else if (leaving?.type === 'quit') p.onQuit();
      else if (leaving?.type === 'backups') p.onBackups?.();
    },
    [commit],
  );
  useKeys(onKey);

  const info = infoLines(screen, size.columns, ascii);
  const pageSize = Math.max(3, size.rows - CHROME - info.length);
  useEffect(() => {
    const current = live.current.screen;
    if (current.select.win.pageSize !== pageSize) commit({ ...current, select: reduce(current.select, { type: 'resize', pageSize }) });
  }, [pageSize, commit]);
  useEffect(() => {
    const current = live.current.screen;
    if (current.select.rows !== props.rows) commit({ ...current, select: replaceRows(current.select, props.rows) });
  }, [props.rows, commit]);

  if (screen.overlay.kind === 'help') return <HelpScreen />;
  // Drawn at the page size this frame has room for: the effect above stores it for the keys,
  // but a frame drawn before it ran was taller than the terminal when the lines below grew.
  const select = screen.select.win.pageSize === pageSize ? screen.select : reduce(screen.select, { type: 'resize', pageSize });
  const at = cursorRow(select);
  const anyVdi = select.choices.some((c) => isChosen(c) && isVdiMode(c.mode));
  const note = diskNote(at === null ? undefined : select.rows[at], at === null ? undefined : select.choices[at], select.vdiDisks, anyVdi, size.columns, ascii);
  return (
    <Box flexDirection="column">
      <Text bold>{titleText(props.base, size.columns, ascii)}</Text>
      <VmList state={select} columns={size.columns} now={now} />
      <Text color={note?.warning ? 'yellow' : undefined} dimColor={!note?.warning}>
        {note ? note.text : ' '}
      </Text>
      <FilterBar screen={screen} columns={size.columns} ascii={ascii} info={info} />
      <HelpBar items={SELECT_BAR} />
    </Box>
  );
}
