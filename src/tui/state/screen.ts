/**
 * The select screen as one pure state machine over single keys: the list, the filter line, the
 * backup_dir line, the two y/n questions and the help are all states of it. The screen folds
 * EVERY key of an Ink event through pressKeys (one always-active handler, no hooks switched on
 * and off between keys), so the rest of a chunk after `/` lands in the filter, and a key that
 * leaves the screen (run, preview, save, quit) sees the state after the keys before it.
 *
 * Side effects are returned, not done: the screen carries them out in order.
 */
import type { CfgModel } from '../../config/index.js';
import type { SavedFilter } from '../contracts.js';
import type { KeyPress } from './key-split.js';
import { commandForKey } from './keys.js';
import { editLine, type LineEdit, lineAtEnd } from './line-edit.js';
import { choiceKey, hiddenChosen, reduce, type SelectState } from './selection.js';
import { chosenBytes, filterStandsForChoice, type ModelBase, modelFromSelection } from './to-model.js';

export type Overlay =
  | { kind: 'list' }
  | { kind: 'filter'; edit: LineEdit }
  | { kind: 'backup-dir'; edit: LineEdit }
  | { kind: 'confirm-run'; model: CfgModel; vms: number; bytes: number; hidden: number }
  | { kind: 'confirm-quit' }
  | { kind: 'help' };

export interface ScreenState {
  select: SelectState;
  overlay: Overlay;
  /** A note for the user (why a key was refused, what changed); the next key clears it. */
  message: string | null;
}

export type ScreenEffect =
  | { type: 'run'; model: CfgModel }
  | { type: 'preview'; model: CfgModel }
  | { type: 'save'; model: CfgModel; filter: SavedFilter | null }
  | { type: 'quit' }
  | { type: 'backups' }
  | { type: 'backup-dir'; dir: string };

export interface ScreenContext {
  base: ModelBase;
  /** choiceKey of the selection last saved as a cfg; null when none was saved this session. */
  savedChoice: string | null;
  /** The backup_dir typed, as the path the session will use (~ expanded, made absolute). */
  resolveDir(text: string): string;
}

/** Effects after which the screen is gone: the keys after them in the same chunk are not for it. */
const LEAVING = new Set<ScreenEffect['type']>(['run', 'preview', 'save', 'quit', 'backups']);

export function screenState(select: SelectState): ScreenState {
  return { select, overlay: { kind: 'list' }, message: null };
}

/** True when quitting now would lose a selection that no saved cfg holds. */
export function unsavedChoice(select: SelectState, savedChoice: string | null): boolean {
  return choiceKey(select) !== (savedChoice ?? '');
}

/** The filter typed so far, applied to the list (once per chunk, not once per pasted character). */
function syncFilter(state: ScreenState): ScreenState {
  if (state.overlay.kind !== 'filter' || state.overlay.edit.text === state.select.filterText) return state;
  return { ...state, select: reduce(state.select, { type: 'filter', text: state.overlay.edit.text }) };
}

function withModel(state: ScreenState, ctx: ScreenContext, use: (model: CfgModel, vms: number) => Step): Step {
  const result = modelFromSelection(state.select, ctx.base, 'names');
  if (!result.ok) return { state: { ...state, message: result.message } };
  return use(result.model, result.vms);
}

interface Step {
  state: ScreenState;
  effect?: ScreenEffect;
}

function onList(state: ScreenState, press: KeyPress, ctx: ScreenContext): Step {
  const command = commandForKey(press.input, press.key);
  if (command === null) return { state };
  const select = state.select;
  switch (command.type) {
    case 'open-filter':
      return { state: { ...state, overlay: { kind: 'filter', edit: lineAtEnd(select.filterText) } } };
    case 'backup-dir':
      return { state: { ...state, overlay: { kind: 'backup-dir', edit: lineAtEnd(ctx.base.backupDir) } } };
    case 'help':
      return { state: { ...state, overlay: { kind: 'help' } } };
    case 'backups':
      return { state, effect: { type: 'backups' } };
    case 'quit':
      if (unsavedChoice(select, ctx.savedChoice)) return { state: { ...state, overlay: { kind: 'confirm-quit' } } };
      return { state, effect: { type: 'quit' } };
    case 'run':
      return withModel(state, ctx, (model, vms) => ({
        state: { ...state, overlay: { kind: 'confirm-run', model, vms, bytes: chosenBytes(select), hidden: hiddenChosen(select) } },
      }));
    case 'preview':
      return withModel(state, ctx, (model) => ({ state, effect: { type: 'preview', model } }));
    case 'save':
      return withModel(state, ctx, (model) => {
        const asFilter = filterStandsForChoice(select) ? modelFromSelection(select, ctx.base, 'filter') : null;
        const filter = asFilter?.ok ? { pattern: select.filter.selector === '' ? '.*' : select.filter.selector, model: asFilter.model } : null;
        return { state, effect: { type: 'save', model, filter } };
      });
    default:
      return { state: { ...state, select: reduce(select, command) } };
  }
}

function onFilter(state: ScreenState & { overlay: { kind: 'filter' } }, press: KeyPress): Step {
  if (press.key.escape) return { state: { ...state, select: reduce(state.select, { type: 'filter', text: '' }), overlay: { kind: 'list' } } };
  if (press.key.return) {
    const synced = syncFilter(state);
    // An invalid pattern stays open with its error shown: the list behind it is not what it says.
    if (synced.select.filterError !== null) return { state: synced };
    return { state: { ...synced, overlay: { kind: 'list' } } };
  }
  const edit = editLine(state.overlay.edit, press);
  return { state: edit === null ? state : { ...state, overlay: { kind: 'filter', edit } } };
}

function onBackupDir(state: ScreenState & { overlay: { kind: 'backup-dir' } }, press: KeyPress, ctx: ScreenContext): Step {
  if (press.key.escape) return { state: { ...state, overlay: { kind: 'list' } } };
  if (press.key.return) {
    const typed = state.overlay.edit.text.trim();
    if (typed === '') return { state: { ...state, message: 'backup_dir cannot be empty: type a folder, or esc keeps the current one.' } };
    const dir = ctx.resolveDir(typed);
    const list = { ...state, overlay: { kind: 'list' } as const };
    return dir === ctx.base.backupDir ? { state: list } : { state: list, effect: { type: 'backup-dir', dir } };
  }
  const edit = editLine(state.overlay.edit, press);
  return { state: edit === null ? state : { ...state, overlay: { kind: 'backup-dir', edit } } };
}

function yes(press: KeyPress): boolean | null {
  if (press.input === 'y' || press.input === 'Y') return true;
  if (press.input === 'n' || press.input === 'N' || press.input === 'q' || press.key.escape) return false;
  return null;
}

function step(state: ScreenState, press: KeyPress, ctx: ScreenContext): Step {
  const overlay = state.overlay;
  switch (overlay.kind) {
    case 'list':
      return onList({ ...state, message: null }, press, ctx);
    case 'filter':
      return onFilter({ ...state, message: null, overlay }, press);
    case 'backup-dir':
      return onBackupDir({ ...state, message: null, overlay }, press, ctx);
    case 'confirm-run': {
      const answer = yes(press);
      if (answer === null) return { state };
      const list = { ...state, overlay: { kind: 'list' } as const };
      return answer ? { state: list, effect: { type: 'run', model: overlay.model } } : { state: { ...list, message: 'Not started.' } };
    }
    case 'confirm-quit': {
      const answer = yes(press);
      if (answer === null) return { state };
      return answer ? { state, effect: { type: 'quit' } } : { state: { ...state, overlay: { kind: 'list' } } };
    }
    case 'help':
      return { state: { ...state, overlay: { kind: 'list' } } };
  }
}

/**
 * Every key in order. A key that leaves the screen ends the fold; a backup_dir change is seen
 * by the keys after it (a run in the same chunk goes to the new folder).
 */
export function pressKeys(start: ScreenState, presses: readonly KeyPress[], context: ScreenContext): { state: ScreenState; effects: ScreenEffect[] } {
  let state = start;
  let ctx = context;
  const effects: ScreenEffect[] = [];
  for (const press of presses) {
    const next = step(state, press, ctx);
    state = next.state;
    if (!next.effect) continue;
    effects.push(next.effect);
    if (LEAVING.has(next.effect.type)) break;
    if (next.effect.type === 'backup-dir') ctx = { ...ctx, base: { ...ctx.base, backupDir: next.effect.dir } };
  }
  return { state: syncFilter(state), effects };
}
