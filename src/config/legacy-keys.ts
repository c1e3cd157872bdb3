/**
 * The keys the original VmBackup.py accepts (identical from 3.1 to 3.25, spec §2.2), their
 * defaults, and how their values are read. The defaults are the script's hard-coded constants.
 */
import type { LegacySettings } from './model.js';
import { parsePythonInt } from './python-text.js';
import { excerpt } from './excerpt.js';

export const SELECTION_KEYS = ['vm-export', 'vdi-export', 'exclude'] as const;

export const LEGACY_DEFAULTS: LegacySettings = {
  poolDbBackup: 0,
  maxBackups: 4,
  backupDir: '/snapshots/BACKUPS',
  statusLog: '/snapshots/NAUbackup/status.log',
  vdiExportFormat: 'raw',
};

type ValueResult<T> = { ok: true; value: T } | { ok: false; message: string; hint: string };

interface ScalarKey<K extends keyof LegacySettings> {
  cfgKey: string;
  prop: K;
  read(value: string): ValueResult<LegacySettings[K]>;
  write(value: LegacySettings[K]): string;
}

function nonEmptyPath(key: string) {
  return (value: string): ValueResult<string> => {
    if (value === '') {
      return { ok: false, message: `${key} is empty`, hint: `give a path, e.g. ${key}=${key === 'backup_dir' ? LEGACY_DEFAULTS.backupDir : LEGACY_DEFAULTS.statusLog}` };
    }
    return { ok: true, value };
  };
}

export const SCALAR_KEYS: { [K in keyof LegacySettings]: ScalarKey<K> } = {
  poolDbBackup: {
    cfgKey: 'pool_db_backup',
    prop: 'poolDbBackup',
    read(value) {
      const n = parsePythonInt(value);
      if (n === 0 || n === 1) return { ok: true, value: n };
      return {
        ok: false,
        message: `pool_db_backup=${excerpt(value)} is not 0 or 1`,
        hint: 'write pool_db_backup=0 (no pool database dump) or pool_db_backup=1',
      };
    },
    write: (v) => String(v),
  },
  maxBackups: {
    cfgKey: 'max_backups',
    prop: 'maxBackups',
    read(value) {
      const n = parsePythonInt(value);
      if (n !== null && n >= 1 && Number.isSafeInteger(n)) return { ok: true, value: n };
      const why = n === null ? 'is not a whole number' : 'must be at least 1';
      const inline = /\s#/.test(value) ? ' (there are no inline comments: put the comment on its own line)' : '';
      return { ok: false, message: `max_backups=${excerpt(value)} ${why}${inline}`, hint: 'write a whole number of at least 1, e.g. max_backups=4' };
    },
    write: (v) => String(v),
  },
  backupDir: { cfgKey: 'backup_dir', prop: 'backupDir', read: nonEmptyPath('backup_dir'), write: (v) => v },
  statusLog: { cfgKey: 'status_log', prop: 'statusLog', read: nonEmptyPath('status_log'), write: (v) => v },
  vdiExportFormat: {
    cfgKey: 'vdi_export_format',
    prop: 'vdiExportFormat',
    read(value) {
      if (value === 'raw' || value === 'vhd') return { ok: true, value };
      const lower = value.toLowerCase();
      const hint =
        lower === 'raw' || lower === 'vhd'
          ? `the original only accepts lower case: write vdi_export_format=${lower}`
          : 'write vdi_export_format=raw or vdi_export_format=vhd';
      return { ok: false, message: `vdi_export_format=${excerpt(value)} is not raw or vhd`, hint };
    },
    write: (v) => v,
  },
};

/** Scalar keys in the order the writer emits them (the order of the original example.cfg). */
export const SCALAR_ORDER: (keyof LegacySettings)[] = ['poolDbBackup', 'maxBackups', 'backupDir', 'statusLog', 'vdiExportFormat'];

export const SCALAR_BY_CFG_KEY = new Map<string, keyof LegacySettings>(
  SCALAR_ORDER.map((prop) => [SCALAR_KEYS[prop].cfgKey, prop]),
);
