/**
 * The kill tests' child process (run compiled: node dist/test/chain/drop-child.js): a point drop
 * (`drop VMDIR PARENT CHILD LOG`) or a resume (`resume VMDIR LOG`) with the real file system.
 * VMBACKUP_TEST_MERGE_KILL_AT in its environment makes it SIGKILL itself at that point
 * (src/chain/merge-state.ts killPoint). onFileReplaced calls are appended to LOG, one JSON a line.
 */
import { appendFile, rm } from 'node:fs/promises';
import { dropPoint, resumeDrop, type DropDeps } from '../../src/chain/drop-point.js';

const [mode, vmDir, ...rest] = process.argv.slice(2);
const log = rest[rest.length - 1]!;
const deps: DropDeps = {
  removeFolder: (path) => rm(path, { recursive: true }),
  onFileReplaced: (path, touched, from) => appendFile(log, `${JSON.stringify({ path, touched, from })}\n`),
};
const done = mode === 'drop' ? dropPoint(vmDir!, rest[0]!, rest[1]!, deps) : resumeDrop(vmDir!, deps);
done.then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
