/**
 * What the save screen prints once a cfg is written: the file, the command that runs it, the
 * line for /etc/cron.d, in the demo how to serve its pool again, and the VMs VmBackup.py cannot
 * back up. It is printed once, above the screen (Ink's Static), like a log line: it stays in the
 * terminal's scrollback after the TUI ends, and the lines to copy are never cut.
 *
 * Commands are printed whole on their own line, even wider than the terminal: the terminal
 * wraps them softly, and copying gives the command back in one piece. (A line Ink itself wrapped
 * came back with a line break inside, a broken cron entry.) In Static, a wide line cannot upset
 * Ink's count of the lines it must erase at the next frame.
 */
import { Box, Static, Text } from 'ink';
import stringWidth from 'string-width';
import type { DemoFacts } from '../contracts.js';
import { useTerminalSize } from '../hooks/use-terminal.js';
import { type CrontabResult, shellQuote } from '../save-file.js';

export interface SavedReportProps {
  path: string;
  /** "3 VMs" or "the filter web-.*". */
  what: string;
  command: string;
  crontab: string;
  demo?: DemoFacts | undefined;
  /** legacyNameWarning's lines, or none. */
  warning: readonly string[];
  /** Once `c` wrote the crontab file: printed below the report. */
  cron?: CrontabResult | null | undefined;
}

/** The commands that run a cfg saved in the demo once the demo has ended. */
export function demoCommands(demo: DemoFacts, cfgPath: string): string[] {
  const state = demo.stateDir === null ? '' : ` --state ${shellQuote(demo.stateDir)}`;
  return [`vmbackup sim --demo --port ${demo.port}${state} &`, `vmbackup --config ${shellQuote(cfgPath)} --password-file ${shellQuote(demo.passwordFile)}`];
}

/** One line exactly as wide as its text, so Ink never breaks it. */
function Whole({ text, color }: { text: string; color?: string }) {
  return (
    <Box width={stringWidth(text)} flexShrink={0}>
      <Text {...(color ? { color } : {})}>{text}</Text>
    </Box>
  );
}

/** Prose: wraps at the terminal's width (the block around it is as wide as its widest command). */
function Prose({ text, color }: { text: string; color?: string }) {
  const { columns } = useTerminalSize();
  return (
    <Box width={columns}>
      <Text {...(color ? { color } : {})}>{text}</Text>
    </Box>
  );
}

function CronWritten({ cron }: { cron: CrontabResult }) {
  return (
    <Box flexDirection="column">
      <Prose text={cron.message} {...(cron.ok ? {} : { color: 'red' })} />
      {cron.install ? <Whole text={cron.install} color="cyan" /> : null}
      <Text> </Text>
    </Box>
  );
}

function Report(props: SavedReportProps) {
  return (
    <Box flexDirection="column">
      <Prose text={`Saved ${props.path} (${props.what}).`} color="green" />
      {props.demo ? (
        <>
          <Prose
            text={`Demo: this cfg names the demo's simulator (port ${props.demo.port}), which stops when the demo ends. To run it headless, serve the same pool with the same certificate and password on that port:`}
            color="yellow"
          />
          {demoCommands(props.demo, props.path).map((c) => (
            <Whole key={c} text={c} color="cyan" />
          ))}
        </>
      ) : (
        <>
          <Prose text="Run it headless:" />
          <Whole text={props.command} color="cyan" />
        </>
      )}
      <Prose text="From cron (/etc/cron.d; cron has no keychain, so a password file):" />
      <Whole text={props.crontab} color="cyan" />
      {props.warning.map((line, i) => (
        <Prose key={i} text={line} color="yellow" />
      ))}
      <Text> </Text>
    </Box>
  );
}

/**
 * Printed once when mounted (a new mount prints again: each save gets its report); the crontab
 * file's result is a second item, printed below when it comes.
 */
export function SavedReport(props: SavedReportProps) {
  const items = props.cron ? ['report', 'cron'] : ['report'];
  return <Static items={items}>{(item) => (item === 'report' ? <Report key={item} {...props} /> : <CronWritten key={item} cron={props.cron!} />)}</Static>;
}
