/**
 * What the screens need to know about the terminal: its width (80 columns over SSH is the
 * design size) and whether to draw with ASCII only (TERM=linux or dumb consoles, non-UTF-8
 * locales), so bars never turn into mojibake; and the redraw a resize needs.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalInfo {
  ascii: boolean;
}

export const TerminalContext = createContext<TerminalInfo>({ ascii: false });

export function useTerminal(): TerminalInfo {
  return useContext(TerminalContext);
}

/** ASCII when the locale is not UTF-8 or the terminal is a console that lacks the glyphs. */
export function asciiOnly(env: NodeJS.ProcessEnv): boolean {
  if (env.VMBACKUP_ASCII === '1') return true;
  const term = env.TERM ?? '';
  if (term === 'dumb' || term === 'linux' || term === 'vt100') return true;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return !/utf-?8/i.test(locale);
}

/** The terminal's size, following resizes; 80×24 when unknown (tests, pipes). */
export function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** Erase the screen and put the cursor home (not the scrollback: that is the user's). */
export const CLEAR_SCREEN = '\u001b[2J\u001b[H';

/**
 * On every resize (SIGWINCH), clear the screen and draw the whole frame again. Ink only erases
 * the lines it believes it drew, but a terminal that narrows re-wraps the old frame onto more
 * lines than that, and the rest stays on screen through every later frame (and after quitting).
 * Ink's own `write` erases its frame, writes our text, then draws the last frame in full.
 */
export function useRedrawOnResize(): void {
  const { stdout, write } = useStdout();
  useEffect(() => {
    const onResize = () => write(CLEAR_SCREEN);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, write]);
}
