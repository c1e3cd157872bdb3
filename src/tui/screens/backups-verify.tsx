/**
 * The Backups screen's verify: the progress of `verifyBackups` over the selected backups, then
 * its summary, then back to the list (which reads the catalog again: the engine wrote
 * `vmbackup-verify.json` beside each backup it checked). The engine is loaded when first used
 * and can be handed in (`api`), as backups-flow.tsx does with the restore.
 *
 * One backup at a time (jobs 1): the backups of one backup_dir share a disk, and a verify reads
 * at the disk's speed; two readers on one disk seek against each other.
 */
import { useEffect, useRef, useState } from 'react';
import type { VerifyOptions, VerifySummary, VerifyTarget } from '../../verify/types.js';
import { localDate } from '../components/backup-columns.js';
import type { VerifyOutcome } from '../hooks/use-verify-run.js';
import type { Picked } from '../state/backups-list.js';
import { VerifyRunScreen } from './verify-run.js';
import { VerifySummaryScreen } from './verify-summary.js';

/** The verify engine's call the screen makes; the real one by default. */
export interface VerifyApi {
  verifyBackups(targets: VerifyTarget[], opts: VerifyOptions): Promise<VerifySummary>;
}

export async function realVerifyApi(): Promise<VerifyApi> {
  const verify = await import('../../verify/index.js');
  return { verifyBackups: verify.verifyBackups };
}

export interface BackupsVerifyProps {
  picked: readonly Picked[];
  backupDir: string;
  api?: VerifyApi | undefined;
  interrupt?: ((handler: () => void) => () => void) | undefined;
  /** True while the verify runs: Ctrl-C and SIGTERM then cancel it instead of quitting. */
  onBusy?(busy: boolean): void;
  /** The summary was left: back to the list, read again. */
  onDone(): void;
  size?: { columns: number; rows: number } | undefined;
}

export function verifyRunTitle(picked: readonly Picked[], backupDir: string): string {
  const one = picked.length === 1 ? picked[0] : undefined;
  return one ? `Verify ${one.vm.name} (${localDate(one.backup.date)}) in ${backupDir}` : `Verify ${picked.length} backups in ${backupDir}`;
}

export function BackupsVerify(props: BackupsVerifyProps) {
  const targets = useRef<VerifyTarget[]>(props.picked.map((p) => ({ vm: p.vm.name, backup: p.backup })));
  const api = useRef<Promise<VerifyApi> | null>(null);
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);

  useEffect(() => {
    props.onBusy?.(outcome === null);
  }, [outcome]);
  useEffect(() => () => props.onBusy?.(false), []);

  if (outcome) return <VerifySummaryScreen outcome={outcome} targets={targets.current} onBackups={props.onDone} {...(props.size ? { size: props.size } : {})} />;
  return (
    <VerifyRunScreen
      targets={targets.current}
      title={verifyRunTitle(props.picked, props.backupDir)}
      start={(onEvent, signal) => {
        api.current ??= props.api ? Promise.resolve(props.api) : realVerifyApi();
        return api.current.then((a) => a.verifyBackups(targets.current, { jobs: 1, signal, onEvent, backupDir: props.backupDir }));
      }}
      interrupt={props.interrupt}
      onFinished={setOutcome}
      {...(props.size ? { size: props.size } : {})}
    />
  );
}
