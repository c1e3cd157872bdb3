/**
 * Save: the selection as a cfg file for headless runs. Written by the config writer (so the
 * original script and `vmbackup --config` read it to the same VMs) through an atomic write that
 * never replaces a file unasked; `~` is the home folder, and a missing folder is made after a
 * yes. Then the command and a crontab line that run it (and a key that writes the line to a
 * file); in the demo, how to serve the demo's pool again for it.
 *
 * When the choice is exactly what the filter shows, the filter itself can be saved as the
 * selector, so VMs created later that match it are backed up too.
 *
 * VMs the cfg selects that VmBackup.py cannot back up (":" or "," in the name, spaces at its
 * ends) are named before and after saving: the file is right for vmbackup, not for the original.
 */
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { Box, Text } from 'ink';
import { useMemo, useRef, useState } from 'react';
import { type CfgModel, ConfigError, formatConfig, legacyNameWarning } from '../../config/index.js';
import { legacyNameProblemsOf } from '../../selection/index.js';
import { SettingsStore } from '../../settings/store.js';
import { Menu } from '../components/menu-view.js';
import { SavedReport } from '../components/saved-report.js';
import { TextField } from '../components/text-field.js';
import { useKeys, useLiveState } from '../hooks/use-keys.js';
import type { DemoFacts } from '../contracts.js';
import { type CrontabResult, saveCfgFile, savePath, shellQuote, writeCrontabFile } from '../save-file.js';
import type { SavedFilter } from '../state/to-model.js';

export interface SaveScreenProps {
  /** One line per chosen VM. */
  model: CfgModel;
  /** Offered when set: the filter as the selector. */
  filter?: SavedFilter | null;
  /** The path offered first; default: the last one saved (settings), else ./vmbackup.cfg. */
  defaultPath?: string;
  /** Remembers the path for next time; default: the settings store. */
  rememberPath?(path: string): void;
  cwd?: string;
  /** What `~` stands for; default: the user's home folder. */
  home?: string;
  now?: () => Date;
  /** Set in the demo: the saved cfg names the demo's simulator, and the screen says how to serve it again. */
  demo?: DemoFacts | undefined;
  /** Back to the list (after saving, or cancelled). */
  onDone(): void;
}

type Step =
  | { name: 'shape' }
  | { name: 'path'; error: string | null }
  | { name: 'confirm'; path: string }
  | { name: 'mkdir'; path: string; folder: string; topMissing: string }
  | { name: 'done'; path: string; vms: number; cron: CrontabResult | null };

function settingsPath(): { path: string | undefined; remember(path: string): void } {
  try {
    const store = SettingsStore.open();
    return { path: store.lastConfigPath, remember: (p) => store.setLastConfigPath(p) };
  } catch {
    // Unreadable settings only lose the remembered path; saving still works.
    return { path: undefined, remember: () => undefined };
  }
}

/** The cfg text, with a header saying what the file is. */
export function cfgText(model: CfgModel, asFilter: string | null, now: Date): string {
  const how = asFilter === null ? 'One line per VM: VMs created later are not picked up.' : `Selector ${asFilter}: VMs created later whose names match are backed up too.`;
  return formatConfig(model, { header: [`Saved by the vmbackup TUI on ${now.toISOString().slice(0, 19).replace('T', ' ')} UTC.`, how] });
}

/** What runs the saved file: the command, and a line for /etc/cron.d (cron has no keychain). */
export function headlessCommands(path: string): { command: string; crontab: string } {
  const quoted = shellQuote(path);
  const log = `/var/log/vmbackup/${basename(path).replace(/\.cfg$/, '').replace(/[^\w.-]/g, '_') || 'vmbackup'}.log`;
  return {
    command: `vmbackup --config ${quoted}`,
    crontab: `0 2 * * *  root  vmbackup --config ${quoted} --password-file /root/VmBackup.pass >>${log} 2>&1`,
  };
}

/**
 * The pool's VMs as far as the screen knows them: every VM the list chose (the names model)
 * and every VM it excluded (exclude lines of either model). A saved filter stands only for a
 * choice where each VM it shows is chosen or excluded, so this holds every VM it matches.
 */
function knownVms(models: readonly CfgModel[]): { name: string }[] {
  const names = new Set<string>();
  for (const m of models) for (const line of m.selections) if (line.selector.kind === 'name') names.add(line.selector.name);
  return [...names].map((name) => ({ name }));
}

export function SaveScreen(props: SaveScreenProps) {
  const cwd = props.cwd ?? process.cwd();
  const home = props.home ?? homedir();
  const [settings] = useState(() => (props.defaultPath !== undefined && props.rememberPath ? null : settingsPath()));
  const [path, setPath] = useState(() => props.defaultPath ?? settings?.path ?? resolve(cwd, 'vmbackup.cfg'));
  const [useFilter, setUseFilter] = useState(false);
  // Live: the keys of one chunk ("y" then Enter) each see the step the one before left.
  const [step, setStep, liveStep] = useLiveState<Step>(props.filter ? { name: 'shape' } : { name: 'path', error: null });
  const model = useFilter && props.filter ? props.filter.model : props.model;
  const problems = useMemo(() => legacyNameProblemsOf(model, knownVms([props.model, ...(props.filter ? [props.filter.model] : [])])), [model, props.model, props.filter]);
  // A key pressed twice while a write is under way must not start a second one.
  const writing = useRef(false);

  const write = async (full: string, options: { overwrite: boolean; createFolders: boolean }) => {
    if (writing.current) return;
    writing.current = true;
    try {
      await writeOnce(full, options);
    } finally {
      writing.current = false;
    }
  };

  const writeOnce = async (full: string, options: { overwrite: boolean; createFolders: boolean }) => {
    let text: string;
    try {
      text = cfgText(model, useFilter && props.filter ? props.filter.pattern : null, (props.now ?? (() => new Date()))());
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return setStep({ name: 'path', error: err.issues.map((i) => i.message).join('; ') });
    }
    const outcome = await saveCfgFile(full, text, options);
    switch (outcome.kind) {
      case 'exists':
        return setStep({ name: 'confirm', path: full });
      case 'missing-folder':
        return setStep({ name: 'mkdir', path: full, folder: outcome.folder, topMissing: outcome.topMissing });
      case 'failed':
        return setStep({ name: 'path', error: outcome.message });
      case 'saved':
        (props.rememberPath ?? settings?.remember)?.(full);
        setStep({ name: 'done', path: full, vms: model.selections.filter((s) => s.action !== 'exclude').length, cron: null });
    }
  };

  useKeys(
    ({ input, key }) => {
      const step = liveStep.current;
      if (step.name === 'mkdir') {
        if (input.toLowerCase() === 'y') void write(step.path, { overwrite: false, createFolders: true });
        else if (input.toLowerCase() === 'n' || key.escape) setStep({ name: 'path', error: `not saved: ${step.folder} was not created` });
        return;
      }
      if (step.name === 'done' && input === 'c' && step.cron === null) {
        const { crontab } = headlessCommands(step.path);
        void writeCrontabFile(step.path, crontab).then((cron) => setStep({ ...step, cron }));
        return;
      }
      if (step.name === 'done' || key.escape) props.onDone();
    },
    { isActive: step.name === 'done' || step.name === 'path' || step.name === 'mkdir' },
  );

  const warningView = legacyNameWarning(problems, 3).map((line, i) => (
    <Text key={i} color="yellow">
      {line}
    </Text>
  ));

  switch (step.name) {
    case 'shape':
      return (
        <Box flexDirection="column">
          <Text bold>Save the selection as a cfg</Text>
          <Text>Every VM the filter shows is chosen (less the excluded). Save the filter or the names?</Text>
          <Menu
            items={[
              { label: `The filter ${props.filter!.pattern}: VMs created later that match are backed up too`, value: 'filter' },
              { label: 'The VM names: exactly these VMs', value: 'names' },
            ]}
            onSelect={(item) => {
              setUseFilter(item.value === 'filter');
              setStep({ name: 'path', error: null });
            }}
          />
        </Box>
      );
    case 'path':
      return (
        <Box flexDirection="column">
          <Text bold>Save the selection as a cfg</Text>
          <Box>
            <Text>File: </Text>
            <TextField initial={path} onChange={setPath} onSubmit={(p) => void write(savePath(p, cwd, home), { overwrite: false, createFolders: false })} />
          </Box>
          {step.error !== null ? <Text color="red">{step.error}</Text> : null}
          {warningView}
          {props.demo ? <Text color="yellow">Demo: the cfg will name this demo's simulator; after saving, the screen shows how to run it later.</Text> : null}
          <Text dimColor>enter saves, esc goes back (~/ is your home folder)</Text>
        </Box>
      );
    case 'confirm':
      return (
        <Box flexDirection="column">
          <Text color="yellow">{step.path} exists. Replace it?</Text>
          <Menu
            items={[
              { label: 'No, choose another name', value: 'no' },
              { label: 'Yes, replace it', value: 'yes' },
              { label: 'Cancel', value: 'cancel' },
            ]}
            onSelect={(item) => {
              if (item.value === 'yes') void write(step.path, { overwrite: true, createFolders: false });
              else if (item.value === 'no') setStep({ name: 'path', error: null });
              else props.onDone();
            }}
          />
        </Box>
      );
    case 'mkdir':
      return (
        <Box flexDirection="column">
          <Text color="yellow">
            {step.topMissing === step.folder ? `The folder ${step.folder} does not exist.` : `The folder ${step.folder} does not exist (nor does ${step.topMissing}).`}
          </Text>
          <Text>Create it (readable by you only, mode 0700) and save {basename(step.path)} there? y/n</Text>
        </Box>
      );
    case 'done': {
      const { command, crontab } = headlessCommands(step.path);
      const what = useFilter ? `the filter ${props.filter!.pattern}` : `${step.vms} VM${step.vms === 1 ? '' : 's'}`;
      return (
        <Box flexDirection="column">
          <SavedReport path={step.path} what={what} command={command} crontab={crontab} demo={props.demo} warning={legacyNameWarning(problems, 20)} cron={step.cron} />
          <Text dimColor>{step.cron === null ? 'c writes the cron line to a file beside the cfg; any other key goes back to the list.' : 'Any key goes back to the list.'}</Text>
        </Box>
      );
    }
  }
}
