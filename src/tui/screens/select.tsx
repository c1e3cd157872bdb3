/**
 * Select: the pool's VMs in a windowed list with checkboxes, a cfg-selector filter, per-VM mode
 * and keep N. Its output is a CfgModel (tui/state/to-model.ts), handed to the run, preview or
 * save screen through the callbacks; this screen holds no backup logic.
 *
 * The state lives in a reducer here; `initial` and `onChange` let the app shell keep it while
 * another screen is shown, so coming back from the preview finds the same choices.
 */
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useState } from 'react';
import type { CfgModel } from '../../config/index.js';
import { FilterBar } from '../components/filter-bar.js';
import { HelpBar, SELECT_BAR } from '../components/help-bar.js';
import { VmList } from '../components/vm-list.js';
import type { VmRow } from '../contracts.js';
import { commandForKey } from '../state/keys.js';
import { initialState, reduce, type SelectState } from '../state/selection.js';
import { filterStandsForChoice, type ModelBase, modelFromSelection, type SavedFilter } from '../state/to-model.js';
import { HelpScreen } from './help.js';

export interface SelectScreenProps {
  rows: readonly VmRow[];
  base: ModelBase;
  /** A state kept from an earlier visit (its rows must be `rows`). */
  initial?: SelectState;
  onChange?(state: SelectState): void;
  onRun(model: CfgModel): void;
  onPreview(model: CfgModel): void;
  /** `filter` is set when the choice is exactly what the filter shows: the save screen offers it. */
  onSave(model: CfgModel, filter: SavedFilter | null): void;
  onQuit(): void;
  /** Terminal size; defaults to stdout's (80×24 when unknown). */
  size?: { columns: number; rows: number };
  now?: () => Date;
}

/** Lines around the list: title, column header, two filter lines, the help bar, one spare (Ink redraws the whole screen when a frame fills it). */
const CHROME = 6;

export function SelectScreen(props: SelectScreenProps) {
  const { stdout } = useStdout();
  const size = props.size ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const pageSize = Math.max(3, size.rows - CHROME);
  const [state, dispatch] = useReducer(reduce, undefined, () =>
    props.initial ? reduce(props.initial, { type: 'resize', pageSize }) : initialState(props.rows, { defaultKeep: props.base.maxBackups ?? 4, pageSize }),
  );
  const [filterOpen, setFilterOpen] = useState(false);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [now] = useState(() => (props.now ?? (() => new Date()))());

  useEffect(() => {
    if (state.win.pageSize !== pageSize) dispatch({ type: 'resize', pageSize });
  }, [pageSize, state.win.pageSize]);
  useEffect(() => {
    props.onChange?.(state);
  }, [state]);

  const withModel = (use: (model: CfgModel) => void) => {
    const result = modelFromSelection(state, props.base, 'names');
    if (!result.ok) setMessage(result.message);
    else use(result.model);
  };

  useInput(
    (input, key) => {
      setMessage(null);
      const command = commandForKey(input, key);
      if (command === null) return;
      switch (command.type) {
        case 'open-filter':
          return setFilterOpen(true);
        case 'help':
          return setHelp(true);
        case 'quit':
          return props.onQuit();
        case 'run':
          return withModel(props.onRun);
        case 'preview':
          return withModel(props.onPreview);
        case 'save':
          return withModel((model) => {
            const asFilter = filterStandsForChoice(state) ? modelFromSelection(state, props.base, 'filter') : null;
            props.onSave(model, asFilter?.ok ? { pattern: state.filter.selector === '' ? '.*' : state.filter.selector, model: asFilter.model } : null);
          });
        default:
          return dispatch(command);
      }
    },
    { isActive: !filterOpen && !help },
  );
  // While the filter is open, the text input takes the keys; esc clears and closes it.
  useInput(
    (_input, key) => {
      if (!key.escape) return;
      dispatch({ type: 'filter', text: '' });
      setFilterOpen(false);
    },
    { isActive: filterOpen },
  );

  if (help) return <HelpScreen onBack={() => setHelp(false)} />;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        vmbackup <Text color="cyan">{props.base.poolUrl}</Text> as {props.base.user}, backups in {props.base.backupDir}
      </Text>
      <VmList state={state} columns={size.columns} now={now} />
      <FilterBar
        state={state}
        open={filterOpen}
        message={message}
        onChange={(text) => dispatch({ type: 'filter', text })}
        onSubmit={() => setFilterOpen(false)}
      />
      <HelpBar items={SELECT_BAR} />
    </Box>
  );
}
