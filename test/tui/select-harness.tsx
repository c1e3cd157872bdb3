/**
 * The select screen in a fake terminal for its tests: a shell that, as the app does, gives a new
 * backup_dir back as the screen's base, the calls the screen made, and a wait for a frame.
 * Keys are written as a terminal delivers them: back to back, or several in one chunk.
 */
import { render } from '../helpers/render-tui.js';
import { useState } from 'react';
import type { CfgModel } from '../../src/config/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { SelectScreen, type SelectScreenProps } from '../../src/tui/screens/select.js';
import type { SavedFilter } from '../../src/tui/state/to-model.js';
import { waitForFrame } from '../helpers/ink-wait.js';

export const KEYS = { down: '\u001b[B', up: '\u001b[A', end: '\u001b[F', home: '\u001b[H', left: '\u001b[D', enter: '\r', backspace: '\u007f', escape: '\u001b' };
export const GiB = 2 ** 30;
export const NOW = new Date(2026, 5, 1, 12, 0, 0);

export function rows(n: number): VmRow[] {
  return Array.from({ length: n }, (_, i) => {
    const row: VmRow = {
      uuid: `u-${i}`,
      name: i === 0 ? 'café' : `vm-${String(i).padStart(5, '0')}`,
      powerState: i % 3 ? 'Running' : 'Halted',
      diskCount: 1 + (i % 2),
      diskBytes: (i + 1) * GiB,
      lastBackup: i === 1 ? new Date(2026, 5, 1, 9, 0, 0) : i === 2 ? new Date(NOW.getTime() - 20_000) : null,
    };
    // Two-disk VMs: a 1 GiB boot disk and the rest.
    if (row.diskCount === 2) row.bootDiskBytes = GiB;
    else row.bootDiskBytes = row.diskBytes;
    return row;
  });
}
export const base = { poolUrl: 'https://pool.example:8443', user: 'root', backupDir: '/srv/b', statusLog: '/srv/s.log', maxBackups: 3 };

export interface Calls {
  run: CfgModel[];
  preview: CfgModel[];
  save: [CfgModel, SavedFilter | null][];
  quit: number;
  backupDir: string[];
}
let app: ReturnType<typeof render> | null = null;
/** Unmounts the screen of the test before (call from afterEach). */
export function unmountScreen(): void {
  app?.unmount();
  app = null;
}

export async function show(n: number, extra: Partial<SelectScreenProps> = {}, size: { columns: number; rows: number } | null = { columns: 80, rows: 24 }) {
  const calls: Calls = { run: [], preview: [], save: [], quit: 0, backupDir: [] };
  const list = rows(n);
  // As the app does: a new backup_dir comes back as the screen's base.
  function Shell() {
    const [current, setCurrent] = useState(base);
    return (
      <SelectScreen
        rows={list}
        base={current}
        {...(size ? { size } : {})}
        now={() => NOW}
        onRun={(m) => calls.run.push(m)}
        onPreview={(m) => calls.preview.push(m)}
        onSave={(m, f) => calls.save.push([m, f])}
        onQuit={() => calls.quit++}
        onBackupDir={(dir) => {
          calls.backupDir.push(dir);
          setCurrent({ ...current, backupDir: dir });
          return null;
        }}
        {...extra}
      />
    );
  }
  app = render(<Shell />);
  const ui = app;
  const frame = () => ui.lastFrame() ?? '';
  await waitForFrame(ui.lastFrame, (f) => f.includes('VMs shown'));
  // The screen's key handler is subscribed once Ink reads the terminal: from then on no key is lost.
  await waitForFrame(() => String(ui.stdin.listenerCount('readable')), (count) => count !== '0');
  const until = (test: (frame: string) => boolean) => waitForFrame(ui.lastFrame, test);
  return { stdin: ui.stdin, stdout: ui.stdout, frame, until, calls };
}

/** The frame's line holding `text`. */
export const lineOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';
