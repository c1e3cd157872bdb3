/**
 * Preview: the engine's plan for the model, as `vmbackup --config X --preview` computes it
 * (backup/preview.ts): VMs and modes in backup order, estimated bytes, free space in backup_dir,
 * the folders retention would delete, and the scope's warnings and errors. Reads only.
 */
import { Box, Text, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { humanBytes } from '../../backup/free-space.js';
import { type PoolPreview, previewRun } from '../../backup/preview.js';
import { type CfgModel, effectiveSettings, formatIssue } from '../../config/index.js';
import type { PoolConnection } from '../../xapi/connection.js';
import { Menu } from '../components/menu-view.js';
import { fit } from '../components/vm-columns.js';
import { useKeys } from '../hooks/use-keys.js';

export interface PreviewScreenProps {
  conn: PoolConnection;
  model: CfgModel;
  onRun(model: CfgModel): void;
  onBack(): void;
  now?: () => Date;
  size?: { columns: number; rows: number };
}

type Loaded = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; preview: PoolPreview };

const SOURCE = 'the TUI selection';

/** At most `max` lines; the rest counted on a last line. */
function capped(lines: string[], max: number, what: string): string[] {
  if (lines.length <= max) return lines;
  const keep = Math.max(0, max - 1);
  return [...lines.slice(0, keep), `... and ${lines.length - keep} more ${what}`];
}

/**
 * The VM lines from `offset` that fit in `room` lines; when they do not all fit, the last line
 * says which are shown and how to scroll. `page` remembers the sizes for the key handler.
 */
function windowed(lines: string[], room: number, offset: number, page: { current: { room: number; total: number } }): string[] {
  if (lines.length <= room) {
    page.current = { room, total: lines.length };
    return lines;
  }
  const shown = Math.max(1, room - 1);
  page.current = { room: shown, total: lines.length };
  const from = Math.min(offset, Math.max(0, lines.length - shown));
  const to = Math.min(lines.length, from + shown);
  return [...lines.slice(from, to), `VMs ${from + 1}-${to} of ${lines.length} (PgUp/PgDn)`];
}

export function PreviewScreen(props: PreviewScreenProps) {
  const { stdout } = useStdout();
  const size = props.size ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  // First VM line shown: a plan longer than the screen scrolls with PgUp/PgDn (the arrows
  // belong to the Run/Back menu).
  const [offset, setOffset] = useState(0);
  const page = useRef({ room: 1, total: 0 });
  const settings = effectiveSettings(props.model);

  useEffect(() => {
    let live = true;
    previewRun(props.conn, props.model, settings, SOURCE, (props.now ?? (() => new Date()))()).then(
      (preview) => live && setLoaded({ state: 'ready', preview }),
      (err: Error) => live && setLoaded({ state: 'failed', message: err.message }),
    );
    return () => {
      live = false;
    };
  }, [props.conn, props.model]);

  useKeys(
    ({ key }) => {
      if (key.escape || loaded.state === 'failed') return props.onBack();
      const { room, total } = page.current;
      const last = Math.max(0, total - room);
      if (key.pageDown) setOffset((o) => Math.min(last, o + room));
      if (key.pageUp) setOffset((o) => Math.max(0, o - room));
    },
    { isActive: loaded.state !== 'loading' },
  );

  if (loaded.state === 'loading') return <Text>Planning the run against the pool...</Text>;
  if (loaded.state === 'failed') {
    return (
      <Box flexDirection="column">
        <Text color="red">The preview failed: {loaded.message}</Text>
        <Text dimColor>Any key goes back to the list.</Text>
      </Box>
    );
  }

  const { preview } = loaded;
  const issues = preview.plan.issues;
  const errors = issues.filter((i) => i.severity === 'error').length + (preview.notWritable ? 1 : 0) + (preview.vms.length === 0 ? 1 : 0);
  const short = preview.free !== null && preview.free < preview.totalEstimate;
  const width = size.columns - 1;
  const modeText = (mode: string) => (mode === 'vm-export' ? 'XVA' : mode === 'delta' ? 'delta' : `VDI ${settings.vdiExportFormat}`);
  const vmLines = preview.vms.map((vm) => `${modeText(vm.mode).padEnd(8)}${fit(vm.name, Math.max(10, width - 36))} keep ${String(vm.maxBackups).padEnd(4)} ~${humanBytes(vm.estimate).padStart(10)}`);
  const deletions = preview.vms.flatMap((vm) => vm.wouldDelete);
  const issueLines = capped(issues.map((i) => formatIssue(i).replace(`${SOURCE}: `, '')), 4, 'problems');
  const deleteLines = capped(deletions.map((f) => `  ${f}`), 3, 'folders');
  // What is left of the screen goes to the VM list.
  const room = Math.max(3, size.rows - 9 - issueLines.length - (deletions.length > 0 ? deleteLines.length + 1 : 0));

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        Plan: {preview.vms.length} VM{preview.vms.length === 1 ? '' : 's'}, ~{humanBytes(preview.totalEstimate)} (estimate), in backup order
      </Text>
      {windowed(vmLines, room, offset, page).map((line, i) => (
        <Text key={i} wrap="truncate">
          {'  '}
          {line}
        </Text>
      ))}
      {preview.notWritable ? (
        <Text color="red" wrap="truncate">
          {/* The message names backup_dir itself ("backup_dir X does not exist..."). */}
          {preview.notWritable}
        </Text>
      ) : (
        <Text color={short ? 'yellow' : undefined} wrap="truncate">
          backup_dir {preview.backupDir}: {humanBytes(preview.free ?? 0)} free{short ? ' - not all of this run fits; VMs that do not fit are refused' : ''}
        </Text>
      )}
      {deletions.length > 0 ? <Text wrap="truncate">After the next successful backups, retention deletes {deletions.length} folder{deletions.length === 1 ? '' : 's'}:</Text> : <Text>Retention deletes nothing after this run.</Text>}
      {deletions.length > 0
        ? deleteLines.map((line, i) => (
            <Text key={i} dimColor wrap="truncate">
              {line}
            </Text>
          ))
        : null}
      {issueLines.map((line, i) => (
        <Text key={i} color={line.includes(': error: ') ? 'red' : 'yellow'} wrap="truncate">
          {line}
        </Text>
      ))}
      <Menu
        items={[
          ...(errors === 0 ? [{ label: 'Run this backup now', value: 'run' }] : []),
          { label: 'Back to the list', value: 'back' },
        ]}
        onSelect={(item) => (item.value === 'run' ? props.onRun(props.model) : props.onBack())}
      />
    </Box>
  );
}
