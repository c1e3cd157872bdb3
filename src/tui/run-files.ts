/**
 * What a TUI run leaves on disk besides the status log, in the status log's folder: the console
 * log (the lines a headless run prints) and the JSON report (what `--json` prints). Without them,
 * why a VM failed was gone once the TUI closed; only the status log's one-word codes remained.
 *
 * Names carry the run's start in local time, `vmbackup-YYYY-MM-DD-HHMMSS.log` / `.json`, with
 * `-2`, `-3`... when another run already took that second; the log file is created exclusively,
 * so two runs never write into one file. The log is appended line by line as the run goes (a
 * TUI killed mid-run keeps what came before, as a redirected headless run would); the JSON is
 * written whole at the end (temp file, fsync, link), so a reader never sees half a report.
 * A folder that is missing or refuses the files costs these files and a warning, never the run.
 */
import { existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Paths of what was written (null when not), and why something was not. */
export interface RunFiles {
  log: string | null;
  json: string | null;
  warnings: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `vmbackup-2026-01-31-142501`: sortable, no characters a shell or a mail filter trips on. */
export function runFileStem(at: Date): string {
  return `vmbackup-${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

export interface RunLogFile {
  /** The folder and name stem both files share. */
  base: string;
  path: string;
  /** Queues one line; writes stay in order. */
  line(text: string): void;
  /** Waits for the queued lines and closes the file; rejects with the first write error. */
  close(): Promise<void>;
}

const errorText = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** Tries `vmbackup-STAMP.log`, then `-2`, `-3`... A name whose .json exists is taken too. */
export async function openRunLog(folder: string, at: Date): Promise<RunLogFile | { warning: string }> {
  if (!existsSync(folder)) return { warning: `this run's log and JSON report are not written: folder ${folder} does not exist (fix: create it, or change status_log=)` };
  const stem = runFileStem(at);
  for (let n = 1; n <= 100; n++) {
    const base = join(folder, n === 1 ? stem : `${stem}-${n}`);
    if (existsSync(`${base}.json`)) continue;
    let handle: FileHandle;
    try {
      handle = await open(`${base}.log`, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      return { warning: `this run's log and JSON report are not written: cannot create ${base}.log: ${errorText(err)} (fix: check the folder's permissions and free space)` };
    }
    return logWriter(base, handle);
  }
  return { warning: `this run's log and JSON report are not written: 100 runs of ${stem} already in ${folder}` };
}

function logWriter(base: string, handle: FileHandle): RunLogFile {
  let chain: Promise<unknown> = Promise.resolve();
  let failure: unknown = null;
  let closed = false;
  return {
    base,
    path: `${base}.log`,
    line(text) {
      if (closed) return;
      chain = chain.then(() => (failure === null ? handle.write(text + '\n') : undefined)).catch((err: unknown) => {
        failure ??= err;
      });
    },
    async close() {
      closed = true;
      await chain;
      await handle.close().catch(() => undefined);
      if (failure !== null) throw failure;
    },
  };
}

/** Writes the report beside the log; resolves with its path, or a warning. */
export async function writeRunReport(base: string, report: unknown): Promise<{ path: string } | { warning: string }> {
  const path = `${base}.json`;
  try {
    await writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n', { overwrite: false });
    return { path };
  } catch (err) {
    return { warning: `the JSON report of this run is not written: ${path}: ${errorText(err)}` };
  }
}
