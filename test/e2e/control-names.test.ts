/**
 * VM names with control characters (a newline, a NUL, a tab, ESC, DEL) through a whole run:
 * every console-log and status-log line stays one stamped line, grep reads the logs as text,
 * the mail body holds no control character, and the JSON report keeps the real names.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { PoolFixture } from '../../src/sim/pool/fixture.js';
import { e2eEnv } from '../helpers/e2e.js';
import { stopAll } from '../helpers/sim.js';
import { relayFiles, type RelayFiles, SMTP_USER, startRelay } from '../helpers/smtp.js';
import { tempDirForFile } from '../helpers/temp.js';

afterEach(stopAll);

const NAMES = ['line\nbreak', 'nul\u0000byte', 'tab\there', 'esc\u001b[31mred', 'del\u007fete'];
// How each name reads in the logs and the mail: one notation, no raw control character.
const SHOWN = ['line\\nbreak', 'nul\\x00byte', 'tab\\there', 'esc\\x1b[31mred', 'del\\x7fete'];

const POOL: PoolFixture = {
  name: 'odd names',
  hosts: [{ name: 'xcp1' }],
  srs: [{ name: 'Local storage', size: '1TiB', default: true }],
  vms: NAMES.map((name) => ({ name, power: 'Halted' as const, disks: [{ size: '2MiB' }] })),
};

const STAMP = /^\d{4}-\d\d-\d\d-\(\d\d:\d\d:\d\d\) - /;
const STATUS_STAMP = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d,/;
// Every control character but the line feed that ends each line.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const relayDir = tempDirForFile('control-names');
let files: RelayFiles;
beforeAll(async () => {
  files = await relayFiles(relayDir);
}, 30_000);

/** What `grep -c PATTERN FILE` prints: a count for a text file, "Binary file ... matches" otherwise. */
function grepCount(pattern: string, file: string): string {
  return execFileSync('grep', ['-c', pattern, file], { encoding: 'utf8' }).trim();
}

it('escapes control characters in VM names in the console log, the status log and the mail; the JSON report keeps them', async () => {
  const env = await e2eEnv({ pool: POOL });
  const relay = await startRelay(files);
  const cfg = env.cfg('odd.cfg', [
    '#vmbackup: mail_to=ops@example.com',
    `#vmbackup: smtp_server=127.0.0.1:${relay.port}`,
    '#vmbackup: smtp_starttls=required',
    `#vmbackup: smtp_user=${SMTP_USER}`,
    `#vmbackup: smtp_password_file=${files.passwordFile}`,
    `#vmbackup: smtp_ca_file=${files.caFile}`,
    'vm-export=.*',
  ]);
  const r = await env.run(cfg, ['--json=r.json']);
  expect(r.status, r.stdout + r.stderr).toBe(0);

  const stdout = r.stdout.trimEnd().split('\n');
  for (const line of stdout) expect(line).toMatch(STAMP);
  expect(r.stdout).not.toMatch(CONTROL);
  for (const shown of SHOWN) expect(stdout.some((l) => l.includes(`VmBackup vm-export ${shown} - ***Success***`)), shown).toBe(true);
  const logFile = join(env.dir, 'console.log');
  writeFileSync(logFile, r.stdout);
  expect(grepCount('Success', logFile)).toMatch(/^\d+$/);

  const status = readFileSync(env.statusLog, 'utf8');
  const records = status.trimEnd().split('\n');
  // Run begin and end, and a begin and an end per VM: no record split in two.
  expect(records).toHaveLength(2 + 2 * NAMES.length);
  for (const record of records) expect(record).toMatch(STATUS_STAMP);
  expect(status).not.toMatch(CONTROL);
  for (const shown of SHOWN) expect(records.some((l) => l.endsWith(`,end,SUCCESS ${shown},elapse:0 size:0G`)), shown).toBe(true);
  expect(grepCount('SUCCESS', env.statusLog)).toBe(String(NAMES.length + 1));

  expect(relay.received).toHaveLength(1);
  const text = relay.received[0]!.text!;
  expect(text).not.toMatch(CONTROL);
  for (const shown of SHOWN) expect(text, shown).toContain(shown);

  const report = JSON.parse(readFileSync(join(env.dir, 'r.json'), 'utf8')) as { vms: { name: string }[] };
  expect(report.vms.map((v) => v.name).sort()).toEqual([...NAMES].sort());
}, 90_000);
