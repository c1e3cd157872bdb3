/**
 * The text field and the menu every screen uses (connect, save, preview, run, questions): keys
 * that arrive in one chunk each count, as the select screen's do. With ink-text-input a chunk of
 * two Backspaces went into the field as two DEL characters; with ink-select-input `jj` in one
 * chunk did not move.
 */
import { Text } from 'ink';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { Menu } from '../../src/tui/components/menu-view.js';
import { TextField } from '../../src/tui/components/text-field.js';
import { waitForFrame } from '../helpers/ink-wait.js';
import { render } from '../helpers/render-tui.js';

function field(props: Partial<Parameters<typeof TextField>[0]> = {}) {
  const submitted: string[] = [];
  const ui = render(<TextField width={40} onSubmit={(t) => submitted.push(t)} {...props} />);
  return { ...ui, submitted, until: (test: (f: string) => boolean) => waitForFrame(ui.lastFrame, test) };
}

describe('TextField', () => {
  it('a paste, two Backspaces at once and Enter in one chunk: every key counts', async () => {
    const { stdin, lastFrame, submitted, until, unmount } = field();
    stdin.write('https://xcp1.example.comXX\x7f\x7f');
    await until((f) => f.includes('https://xcp1.example.com') && !f.includes('X'));
    expect(lastFrame()).not.toContain('\x7f');
    stdin.write(':443\r');
    await until(() => submitted.length > 0);
    expect(submitted).toEqual(['https://xcp1.example.com:443']);
    unmount();
  });

  it('masks a password', async () => {
    const { stdin, lastFrame, submitted, until, unmount } = field({ masked: true, initial: '' });
    stdin.write('s3cr');
    await until((f) => f.includes('****'));
    expect(lastFrame()).not.toContain('s3cr');
    stdin.write('et\r');
    await until(() => submitted.length > 0);
    expect(submitted).toEqual(['s3cret']);
    unmount();
  });

  it('a paste through two fields: the keys after the first Enter go to the field it opened', async () => {
    const submitted: string[] = [];
    function TwoFields() {
      const [host, setHost] = useState<string | null>(null);
      if (host === null) return <TextField key="host" width={40} onSubmit={(t) => (submitted.push(t), setHost(t))} />;
      return <TextField key="user" width={40} initial="root" onSubmit={(t) => void submitted.push(t)} />;
    }
    const { stdin, unmount } = render(<TwoFields />);
    // Taken by the user field: "root" less two, plus "sy". Left with the first field, it made "xcsy".
    stdin.write('xcp1\r\x7f\x7fsy\r');
    await waitForFrame(() => '', () => submitted.length === 2);
    expect(submitted).toEqual(['xcp1', 'rosy']);
    unmount();
  });

  it('edits at the cursor: ← then typing inserts, ctrl-u clears to the start', async () => {
    const { stdin, submitted, until, unmount } = field({ initial: '/backups/x.cfg' });
    stdin.write('\u001b[D\u001b[D\u001b[D\u001b[D');
    stdin.write('-1');
    await until((f) => f.includes('/backups/x-1.cfg'));
    stdin.write('\u0015new\r');
    await until(() => submitted.length > 0);
    expect(submitted).toEqual(['new.cfg']);
    unmount();
  });
});

function Chooser({ onPick }: { onPick(value: string): void }) {
  const [picked, setPicked] = useState<string | null>(null);
  if (picked !== null) return <Text>picked {picked}</Text>;
  const items = ['alpha', 'beta', 'gamma', 'delta'].map((v) => ({ label: v, value: v }));
  return (
    <Menu
      items={items}
      onSelect={(item) => {
        onPick(item.value);
        setPicked(item.value);
      }}
    />
  );
}

describe('Menu', () => {
  it('jj and Enter in one chunk pick the third item; the next Enter goes to what the pick showed', async () => {
    const picks: string[] = [];
    const { stdin, lastFrame, unmount } = render(<Chooser onPick={(v) => picks.push(v)} />);
    await waitForFrame(lastFrame, (f) => f.includes('❯ alpha'));
    stdin.write('jj\r\r');
    await waitForFrame(lastFrame, (f) => f.includes('picked'));
    expect(picks).toEqual(['gamma']);
    unmount();
  });

  it('k wraps to the last item; a digit picks that line', async () => {
    const picks: string[] = [];
    const first = render(<Chooser onPick={(v) => picks.push(v)} />);
    first.stdin.write('k');
    await waitForFrame(first.lastFrame, (f) => f.includes('❯ delta'));
    first.stdin.write('\r');
    await waitForFrame(first.lastFrame, (f) => f.includes('picked delta'));
    first.unmount();
    const second = render(<Chooser onPick={(v) => picks.push(v)} />);
    second.stdin.write('2');
    await waitForFrame(second.lastFrame, (f) => f.includes('picked beta'));
    second.unmount();
    expect(picks).toEqual(['delta', 'beta']);
  });
});
