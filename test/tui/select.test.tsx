/**
 * The select screen in a fake terminal: keys one at a time (Ink drops keys that arrive in one
 * chunk), the filter's count and inline errors, modes, and the model handed on.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { CfgModel } from '../../src/config/index.js';
import type { VmRow } from '../../src/tui/contracts.js';
import { SelectScreen } from '../../src/tui/screens/select.js';
import type { SavedFilter } from '../../src/tui/state/to-model.js';

const tick = () => new Promise((r) => setTimeout(r, 20));
const ESC = '\u001b';
const KEYS = { down: '\u001b[B', up: '\u001b[A', end: '\u001b[F', home: '\u001b[H', pageDown: '\u001b[6~', enter: '\r', backspace: '\u007f' };

async function press(stdin: { write(s: string): void }, ...keys: string[]) {
  for (const k of keys) {
    stdin.write(k);
    await tick();
  }
}
async function type(stdin: { write(s: string): void }, text: string) {
  await press(stdin, ...[...text]);
}

const NOW = new Date(2026, 5, 1, 12, 0, 0);
function rows(n: number): VmRow[] {
  return Array.from({ length: n }, (_, i) => ({
    uuid: `u-${i}`,
    name: i === 0 ? 'café' : `vm-${String(i).padStart(5, '0')}`,
    powerState: i % 3 ? 'Running' : 'Halted',
    diskCount: 1 + (i % 2),
    diskBytes: (i + 1) * 2 ** 30,
    lastBackup: i === 1 ? new Date(2026, 5, 1, 9, 0, 0) : null,
  }));
}
const base = { poolUrl: 'https://pool.example:8443', user: 'root', backupDir: '/srv/b', statusLog: '/srv/s.log', maxBackups: 3 };

interface Calls {
  run: CfgModel[];
  preview: CfgModel[];
  save: [CfgModel, SavedFilter | null][];
  quit: number;
}
let app: ReturnType<typeof render> | null = null;
afterEach(() => app?.unmount());

function show(n: number, size = { columns: 80, rows: 24 }) {
  const calls: Calls = { run: [], preview: [], save: [], quit: 0 };
  app = render(
    <SelectScreen
      rows={rows(n)}
      base={base}
      size={size}
      now={() => NOW}
      onRun={(m) => calls.run.push(m)}
      onPreview={(m) => calls.preview.push(m)}
      onSave={(m, f) => calls.save.push([m, f])}
      onQuit={() => calls.quit++}
    />,
  );
  return { ...app, calls, frame: () => app!.lastFrame() ?? '' };
}

describe('select screen', () => {
  it('fits 80×24: header, a window of rows, the filter line and the key bar', async () => {
    const { frame } = show(10_000);
    await tick();
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(frame()).toContain('> [ ] café');
    expect(frame()).toMatch(/vm-00001 +running +XVA +3 +2x 2\.0 GiB +3h/);
    expect(frame()).toContain('never');
    expect(frame()).toContain('10000 of 10000 VMs shown, 0 selected');
    expect(frame()).not.toContain('vm-00100');
  });

  it('moves, toggles, cycles the mode, changes keep N and excludes with single keys', async () => {
    const { stdin, frame } = show(50);
    await tick();
    await press(stdin, KEYS.down, ' ', 'm', '+', '+');
    expect(frame()).toMatch(/> \[x\] vm-00001 +running +VDI raw +:5/);
    await press(stdin, 'm', '-', '-', '-');
    expect(frame()).toMatch(/> \[x\] vm-00001 +running +VDI vhd +:2/);
    await press(stdin, 'j', 'x');
    expect(frame()).toMatch(/> \[-\] vm-00002/);
    await press(stdin, KEYS.end);
    expect(frame()).toContain('> [ ] vm-00049');
    await press(stdin, KEYS.home);
    expect(frame()).toContain('> [ ] café');
    expect(frame()).toContain('1 selected');
  });

  it('the filter shows a live count, and an invalid pattern inline with its column', async () => {
    const { stdin, frame } = show(200);
    await tick();
    await press(stdin, '/');
    await type(stdin, 'vm-0001.');
    expect(frame()).toContain('10 match');
    expect(frame()).toContain('vm-00010');
    expect(frame()).not.toContain('café');
    await type(stdin, '[');
    expect(frame()).toContain('invalid');
    expect(frame()).toMatch(/\^ column 9: /);
    // The list keeps the last valid filter's rows.
    expect(frame()).toContain('vm-00019');
    await press(stdin, KEYS.backspace, KEYS.enter);
    expect(frame()).toContain('10 of 200 VMs shown');
    await press(stdin, 'a');
    expect(frame()).toContain('10 selected');
    // A simple name is one exact VM, as in a cfg.
    await press(stdin, '/');
    for (let i = 0; i < 8; i++) await press(stdin, KEYS.backspace);
    await type(stdin, 'vm-0001');
    expect(frame()).toContain('0 match');
    await press(stdin, ESC);
    expect(frame()).toContain('no filter');
    expect(frame()).toContain('200 of 200 VMs shown, 10 selected');
  });

  it('enter, p and s hand on the model; s offers the filter when it stands for the choice', async () => {
    const { stdin, calls } = show(30);
    await tick();
    await press(stdin, '/');
    await type(stdin, 'vm-0000.');
    await press(stdin, KEYS.enter, 'a', KEYS.enter, 'p', 's');
    expect(calls.run).toHaveLength(1);
    expect(calls.preview).toHaveLength(1);
    expect(calls.run[0]!.selections.map((s) => s.selector)).toHaveLength(9);
    expect(calls.run[0]!.directives).toMatchObject({ pool: base.poolUrl, user: 'root' });
    const [model, filter] = calls.save[0]!;
    expect(model.selections).toHaveLength(9);
    expect(filter?.pattern).toBe('vm-0000.');
    expect(filter?.model.selections).toEqual([{ action: 'vm-export', selector: { kind: 'pattern', pattern: 'vm-0000.' } }]);
    await press(stdin, KEYS.down, ' ', 's');
    expect(calls.save[1]![1]).toBeNull();
  });

  it('refuses mixed VDI raw and vhd with the VMs named, and an empty selection', async () => {
    const { stdin, frame, calls } = show(5);
    await tick();
    await press(stdin, KEYS.enter);
    expect(frame()).toContain('No VM is selected');
    await press(stdin, ' ', 'm', 'j', ' ', 'm', 'm', KEYS.enter);
    expect(calls.run).toHaveLength(0);
    expect(frame()).toContain('VDI raw (café) and VDI vhd (vm-00001) cannot be mixed');
  });

  it('? shows the help and any key returns; q quits', async () => {
    const { stdin, frame, calls } = show(5);
    await tick();
    await press(stdin, '?');
    expect(frame()).toContain('Keys of the VM list');
    await press(stdin, 'z');
    expect(frame()).toContain('café');
    await press(stdin, 'q');
    expect(calls.quit).toBe(1);
  });
});
