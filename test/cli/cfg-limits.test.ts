/**
 * Oversized cfg input through the real executable: a line over the limit is a cfg error at its
 * line (exit 2, not 70 "internal error"), a file over the limit is refused without being read
 * whole, and values quoted in messages are cut.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir, vmbackup } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'names.txt'), 'web-01\ndb-01\n');
});

const preview = (cfg: string) => vmbackup(['preview', '--config', cfg, '--vm-names', 'names.txt'], dir);

describe('cfg limits', () => {
  it('a 300 KB regex line: a cfg error naming the file, the line, the limit and the fix; exit 2', () => {
    writeFileSync(join(dir, 'big.cfg'), ['max_backups=2', `vm-export=${'a.'.repeat(150_000)}`, 'vm-export=web-01', ''].join('\n'));
    for (const r of [preview('big.cfg'), vmbackup(['--config', 'big.cfg', '--password-file', 'none.b64'], dir)]) {
      expect(r.status).toBe(2);
      expect(r.stderr + r.stdout).not.toMatch(/internal error/);
      const error = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith('big.cfg:2:'));
      expect(error).toBe(
        'big.cfg:2: error: this line is 300010 bytes long, over the limit of 16 KiB: "vm-export=a.a.a.a.a.a.a.a.a.a.a.a.a.a.a…"; ' +
          'fix: split a long selection over several lines (each vm-export=, vdi-export= and exclude= line adds to the others)',
      );
    }
  });

  it('a cfg file over 1 MiB is refused as a whole, naming the file and the fix; exit 2', () => {
    writeFileSync(join(dir, 'huge.cfg'), '# padding\n'.repeat(110_000) + 'vm-export=web-01\n');
    for (const r of [preview('huge.cfg'), vmbackup(['--config', 'huge.cfg'], dir), vmbackup(['pw1', 'huge.cfg'], dir)]) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^vmbackup: error: cannot read cfg file huge\.cfg: it is larger than 1 MiB, the most vmbackup reads of a cfg file$/m);
      expect(r.stderr).toMatch(/^vmbackup: fix: check that huge\.cfg is the cfg file you meant$/m);
    }
  });

  it('a cfg of exactly 1 MiB is still read', () => {
    const tail = 'vm-export=web-01\n';
    const padding = '#'.repeat(1023) + '\n';
    const body = padding.repeat(1023) + '#'.repeat(1024 - tail.length - 1) + '\n' + tail;
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    writeFileSync(join(dir, 'full.cfg'), body);
    const r = preview('full.cfg');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ - {3}vm-export: web-01$/m);
  });

  it('values quoted in messages are cut at 80 characters', () => {
    writeFileSync(join(dir, 'bad.cfg'), [`vm-export=(${'x'.repeat(10_000)}`, `max_backups=${'9'.repeat(5000)}x`, `${'k'.repeat(5000)}=1`, ''].join('\n'));
    const r = preview('bad.cfg');
    expect(r.status).toBe(2);
    const issues = r.stdout.split('\n').filter((l) => /^bad\.cfg:\d/.test(l));
    expect(issues).toHaveLength(3);
    for (const line of issues) {
      expect(line.length).toBeLessThan(400);
      expect(line).toContain('…');
    }
    expect(issues[0]).toMatch(/^bad\.cfg:1:11: error: invalid regex "\(x{78}…": /);
  });
});
