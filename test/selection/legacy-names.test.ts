/**
 * Which VMs of a cfg VmBackup.py cannot back up: name lines by their name, pattern lines by the
 * pool's VMs they match; exclude lines and templates do not count.
 */
import { expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../src/config/index.js';
import { legacyNameProblemsOf } from '../../src/selection/index.js';

const pool = [{ name: 'web-01' }, { name: 'WinSvr:2019' }, { name: 'a,b' }, { name: ' spaced' }, { name: 'tmpl:1', isTemplate: true }];
const names = (cfg: string) => legacyNameProblemsOf(parseConfigOrThrow(cfg, { file: 't.cfg' }).model, pool).map((p) => p.name);

it('counts a name line by its name, whether or not the pool is known', () => {
  expect(names('vm-export=WinSvr\\x3a2019$\nvdi-export=web-01\n')).toEqual(['WinSvr:2019']);
  expect(legacyNameProblemsOf(parseConfigOrThrow('vm-export=a\\,b$\n', { file: 't.cfg' }).model, []).map((p) => p.name)).toEqual(['a,b']);
});

it('counts every VM a pattern line matches, templates aside', () => {
  expect(names('vm-export=.*\n')).toEqual(['WinSvr:2019', 'a,b', ' spaced']);
  expect(names('vm-export=Win.*\n')).toEqual(['WinSvr:2019']);
  expect(names('vm-export=web.*\n')).toEqual([]);
});

it('does not count exclude lines: the original reads them unsplit', () => {
  expect(names('exclude=WinSvr\\x3a2019$\nvm-export=web-01\n')).toEqual([]);
});
