/**
 * Save: the selection as a cfg file for headless runs. Written by the config writer (so the
 * original script and `vmbackup --config` read it to the same VMs) through an atomic write that
 * never replaces a file unasked; then the command and a crontab line that run it.
 *
 * When the choice is exactly what the filter shows, the filter itself can be saved as the
 * selector, so VMs created later that match it are backed up too.
 */
import { basename, resolve } from 'node:path';
import { Box, Text, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import TextInput from 'ink-text-input';
import { useState } from 'react';
import { type CfgModel, ConfigError, formatConfig } from '../../config/index.js';
import { SettingsStore } from '../../settings/store.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
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
  now?: () => Date;
  /** Back to the list (after saving, or cancelled). */
  onDone(): void;
}

type Step = { name: 'shape' } | { name: 'path'; error: string | null } | { name: 'confirm'; path: string } | { name: 'done'; path: string; vms: number };

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
  const quoted = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  const log = `/var/log/vmbackup/${basename(path).replace(/\.cfg$/, '').replace(/[^\w.-]/g, '_') || 'vmbackup'}.log`;
  return {
    command: `vmbackup --config ${quoted}`,
    crontab: `0 2 * * *  root  vmbackup --config ${quoted} --password-file /root/VmBackup.pass >>${log} 2>&1`,
  };
}

export function SaveScreen(props: SaveScreenProps) {
  const cwd = props.cwd ?? process.cwd();
  const [settings] = useState(() => (props.defaultPath !== undefined && props.rememberPath ? null : settingsPath()));
  const [path, setPath] = useState(() => props.defaultPath ?? settings?.path ?? resolve(cwd, 'vmbackup.cfg'));
  const [useFilter, setUseFilter] = useState(false);
  const [step, setStep] = useState<Step>(props.filter ? { name: 'shape' } : { name: 'path', error: null });
  const model = useFilter && props.filter ? props.filter.model : props.model;

  const write = async (target: string, overwrite: boolean) => {
    const full = resolve(cwd, target);
    let text: string;
    try {
      text = cfgText(model, useFilter && props.filter ? props.filter.pattern : null, (props.now ?? (() => new Date()))());
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return setStep({ name: 'path', error: err.issues.map((i) => i.message).join('; ') });
    }
    try {
      await writeFileAtomic(full, text, { overwrite });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return setStep({ name: 'confirm', path: full });
      return setStep({ name: 'path', error: `cannot write ${full}: ${code ?? String(err)}` });
    }
    (props.rememberPath ?? settings?.remember)?.(full);
    setStep({ name: 'done', path: full, vms: model.selections.filter((s) => s.action !== 'exclude').length });
  };

  useInput(
    (_input, key) => {
      if (step.name === 'done' || key.escape) props.onDone();
    },
    { isActive: step.name === 'done' || step.name === 'path' },
  );

  switch (step.name) {
    case 'shape':
      return (
        <Box flexDirection="column">
          <Text bold>Save the selection as a cfg</Text>
          <Text>Every VM the filter shows is chosen (less the excluded). Save the filter or the names?</Text>
          <SelectInput
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
            <TextInput value={path} onChange={setPath} onSubmit={(p) => void write(p, false)} />
          </Box>
          {step.error !== null ? <Text color="red">{step.error}</Text> : null}
          <Text dimColor>enter saves, esc goes back</Text>
        </Box>
      );
    case 'confirm':
      return (
        <Box flexDirection="column">
          <Text color="yellow">{step.path} exists. Replace it?</Text>
          <SelectInput
            items={[
              { label: 'No, choose another name', value: 'no' },
              { label: 'Yes, replace it', value: 'yes' },
              { label: 'Cancel', value: 'cancel' },
            ]}
            onSelect={(item) => {
              if (item.value === 'yes') void write(step.path, true);
              else if (item.value === 'no') setStep({ name: 'path', error: null });
              else props.onDone();
            }}
          />
        </Box>
      );
    case 'done': {
      const { command, crontab } = headlessCommands(step.path);
      return (
        <Box flexDirection="column">
          <Text color="green">
            Saved {step.path} ({useFilter ? `the filter ${props.filter!.pattern}` : `${step.vms} VM${step.vms === 1 ? '' : 's'}`}).
          </Text>
          <Text> </Text>
          <Text>Run it headless:</Text>
          <Text color="cyan">  {command}</Text>
          <Text>From cron (/etc/cron.d/vmbackup; cron has no keychain, so a password file):</Text>
          <Text color="cyan">  {crontab}</Text>
          <Text> </Text>
          <Text dimColor>Any key goes back to the list.</Text>
        </Box>
      );
    }
  }
}
