/**
 * Restore options for one backup: the SR (a menu of the pool's SRs with their free space), the
 * name (the plan's `<name> (restored <date>)` to start with), and for an XVA new or preserved
 * MACs and start or not; for a raw/vhd disk the VM to attach it to, or none. The form is the
 * pure machine of state/restore-form.ts; this screen draws it and its menus.
 */
import { Box, Text } from 'ink';
import { useCallback, useRef, useState } from 'react';
import { humanBytes } from '../../backup/free-space.js';
import type { CatalogBackup } from '../../catalog/types.js';
import type { RestoreRequest } from '../../restore/types.js';
import { kindText, localDate } from '../components/backup-columns.js';
import { Menu } from '../components/menu-view.js';
import { clipToWidth } from '../components/text-fit.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminal, useTerminalSize } from '../hooks/use-terminal.js';
import type { KeyPress } from '../state/key-split.js';
import { visibleLine } from '../state/line-edit.js';
import { type FieldId, focused, picked, pressForm, type RestoreForm } from '../state/restore-form.js';

export interface RestoreOptionsProps {
  vmName: string;
  backup: CatalogBackup;
  initial: RestoreForm;
  onChange?(form: RestoreForm): void;
  onSubmit(request: RestoreRequest, form: RestoreForm): void;
  onBack(): void;
  /** Why the last try went nowhere (a refused plan with its fix, "Not restored."). */
  message?: { text: string; hint?: string } | null;
  size?: { columns: number; rows: number };
}

const LABEL: Record<FieldId, string> = { sr: 'SR', name: 'Name', macs: 'MACs', start: 'Start', attach: 'Attach to', continue: '' };

export function srLabel(sr: { name: string; freeBytes: number }): string {
  return `${sr.name} (${humanBytes(sr.freeBytes)} free)`;
}

function valueOf(form: RestoreForm, field: FieldId): string {
  switch (field) {
    case 'sr':
      return srLabel(form.srs[form.srIndex]!);
    case 'macs':
      return form.preserve ? 'preserve: same VM uuid and MACs (disaster recovery)' : 'new: fresh MACs, a copy beside the original';
    case 'start':
      return form.start ? 'yes, start the VM after the import' : 'no, leave it halted';
    case 'attach':
      return form.attachIndex < 0 ? 'none: leave the disk unattached' : `${form.vms[form.attachIndex]!.name} (next free device)`;
    default:
      return '';
  }
}

const HINT: Partial<Record<FieldId, string>> = { sr: 'enter: choose', macs: 'space: change', start: 'space: change', attach: 'enter: choose' };

export function RestoreOptionsScreen(props: RestoreOptionsProps) {
  const terminal = useTerminalSize();
  const { ascii } = useTerminal();
  const { columns } = props.size ?? terminal;
  const [form, setForm] = useState(props.initial);
  const live = useRef({ form, props });
  live.current.props = props;

  const commit = useCallback((next: RestoreForm) => {
    live.current.form = next;
    setForm(next);
    live.current.props.onChange?.(next);
  }, []);

  useKeys(
    useCallback(
      (press: KeyPress) => {
        const { form: before, props: p } = live.current;
        const { form: next, effect } = pressForm(before, press);
        if (next !== before) commit(next);
        if (effect?.type === 'submit') p.onSubmit(effect.request, next);
        else if (effect?.type === 'back') p.onBack();
      },
      [commit],
    ),
  );

  const b = props.backup;
  const at = focused(form);
  const width = columns - 1;
  const mark = ascii ? '>' : '❯';
  return (
    <Box flexDirection="column">
      <Text bold>{clipToWidth(`Restore ${props.vmName}, backup of ${localDate(b.date)}`, width, ascii)}</Text>
      <Text dimColor>{clipToWidth(`${kindText(b)}, ${humanBytes(b.bytes)}, ${b.status === 'success' ? 'complete' : 'UNFINISHED'}: ${b.path}`, width, ascii)}</Text>
      <Text> </Text>
      {form.fields.map((field) => {
        const here = field === at;
        if (field === 'continue') {
          return (
            <Text key={field} bold={here} inverse={here}>
              {`${here ? mark : ' '} Continue: check the plan and confirm`}
            </Text>
          );
        }
        const head = `${here ? mark : ' '} ${LABEL[field].padEnd(11)}`;
        if (field === 'name') {
          const shown = visibleLine(form.name, Math.max(10, width - head.length - 1));
          return (
            <Text key={field}>
              {head}
              {shown.before}
              {here ? <Text inverse>{shown.at}</Text> : shown.at}
              {shown.after}
            </Text>
          );
        }
        const hint = here && HINT[field] ? `   ${HINT[field]}` : '';
        return (
          <Text key={field} wrap="truncate">
            {head}
            {clipToWidth(valueOf(form, field), Math.max(10, width - head.length - hint.length), ascii)}
            <Text dimColor>{hint}</Text>
          </Text>
        );
      })}
      {form.picking === 'sr' ? (
        <PickMenu title="SR to restore into (esc: keep the current one):" items={form.srs.map((s, i) => ({ key: s.uuid, label: clipToWidth(srLabel(s), width - 3, ascii), value: i }))} onPick={(i) => commit(picked(live.current.form, i))} />
      ) : null}
      {form.picking === 'attach' ? (
        <PickMenu
          title="Attach the disk to (esc: keep the current choice):"
          items={[{ key: 'none', label: 'none: leave it unattached', value: -1 }, ...form.vms.map((v, i) => ({ key: v.uuid, label: clipToWidth(`${v.name} (${v.powerState.toLowerCase()})`, width - 3, ascii), value: i }))]}
          onPick={(i) => commit(picked(live.current.form, i))}
        />
      ) : null}
      <Text> </Text>
      {props.message && !form.message ? (
        <>
          <Text color="red" wrap="wrap">
            {props.message.text}
          </Text>
          {props.message.hint ? <Text wrap="wrap">fix: {props.message.hint}</Text> : null}
        </>
      ) : null}
      {form.message ? <Text color="yellow">{form.message}</Text> : null}
      <Text dimColor>{clipToWidth(`${ascii ? 'up/down' : '↑/↓'}: field   type: the name   space: change   enter: choose/continue   esc: back`, width, ascii)}</Text>
    </Box>
  );
}

function PickMenu({ title, items, onPick }: { title: string; items: { key: string; label: string; value: number }[]; onPick(index: number): void }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>{title}</Text>
      <Menu items={items} limit={8} onSelect={(item) => onPick(item.value)} />
    </Box>
  );
}
