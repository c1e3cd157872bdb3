/**
 * The simulator's state folder: where it is, what a first start makes, that two starts at once
 * on a fresh folder agree, and that a damaged file is named rather than silently replaced.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSimState, simStateLocation } from '../../src/cli/sim-state.js';
import { snapshotVm } from '../../src/sim/api/vm.js';
import { startSimulator } from '../../src/sim/index.js';
import { fingerprintOfPem } from '../../src/util/fingerprint.js';
import { tempDirForTest } from '../helpers/temp.js';

it('is --state, else $VMBACKUP_SIM_STATE_DIR, else $XDG_STATE_HOME/vmbackup/sim, else ~/.local/state/vmbackup/sim', () => {
  const env = { HOME: '/home/ann', XDG_STATE_HOME: '/var/xdg', VMBACKUP_SIM_STATE_DIR: 'rel/state' };
  expect(simStateLocation(env, '/cwd', 'given')).toEqual({ dir: '/cwd/given', isDefault: false });
  expect(simStateLocation(env, '/cwd')).toEqual({ dir: '/cwd/rel/state', isDefault: false });
  expect(simStateLocation({ ...env, VMBACKUP_SIM_STATE_DIR: '' }, '/cwd')).toEqual({ dir: '/var/xdg/vmbackup/sim', isDefault: true });
  expect(simStateLocation({ HOME: '/home/ann' }, '/cwd')).toEqual({ dir: '/home/ann/.local/state/vmbackup/sim', isDefault: true });
});

it('two starts at once on a fresh folder serve the same password and certificate', async () => {
  const dir = join(tempDirForTest('sim-state'), 'state');
  const [a, b] = await Promise.all([openSimState(dir), openSimState(dir)]);
  expect(a.password).toBe(b.password);
  const host = { index: 0, hostname: 'xcp-ng-1', address: '127.0.0.1' };
  const [ca, cb] = await Promise.all([a.certificateFor(host), b.certificateFor(host)]);
  expect(fingerprintOfPem(ca.cert)).toBe(fingerprintOfPem(cb.cert));
  expect(ca.key).toBe(cb.key);
  expect(readFileSync(join(dir, 'host-1.pem'), 'utf8')).toBe(`${ca.cert}${ca.key}`);
});

it('names a damaged certificate file and what to do, and never replaces it', async () => {
  const dir = tempDirForTest('sim-state');
  writeFileSync(join(dir, 'host-1.pem'), 'not a certificate\n');
  const state = await openSimState(dir);
  await expect(state.certificateFor({ index: 0, hostname: 'h', address: '127.0.0.1' })).rejects.toMatchObject({
    code: 'SIM_STATE_INVALID',
    message: `${join(dir, 'host-1.pem')} does not hold a PEM certificate and its key`,
  });
  expect(readFileSync(join(dir, 'host-1.pem'), 'utf8')).toBe('not a certificate\n');
});

it('a password given is served, not stored', async () => {
  const dir = tempDirForTest('sim-state');
  const kept = await openSimState(dir);
  const given = await openSimState(dir, { password: 'other' });
  expect(given).toMatchObject({ password: 'other', passwordFile: null });
  expect((await openSimState(dir)).password).toBe(kept.password);
});

it('keeps the pool uuids: a start on the same folder serves the same VM uuids, snapshots stay fresh', async () => {
  const dir = join(tempDirForTest('sim-state'), 'state');
  const seed = (await openSimState(dir)).uuidSeed;
  expect(seed).toMatch(/^[0-9a-f]{32}$/);
  expect((await openSimState(dir)).uuidSeed).toBe(seed);
  const pool = { vms: [{ name: 'web-01', disks: [{ size: '4MiB' }] }, { name: 'db-01', disks: [{ size: '4MiB' }] }] };
  const uuidsOf = async (uuidSeed: string | undefined) => {
    const sim = await startSimulator({ pool, http: true, ...(uuidSeed === undefined ? {} : { uuidSeed }) });
    try {
      const vms = sim.state.store.rows('VM').filter((r) => r.record.is_control_domain === false);
      const snapshot = snapshotVm(sim.state, vms[0]!.ref, 'snap');
      return [...vms.map((r) => `${String(r.record.name_label)} ${String(r.record.uuid)}`), String(sim.state.store.get(snapshot)!.record.uuid)];
    } finally {
      await sim.close();
    }
  };
  const first = await uuidsOf(seed);
  const again = await uuidsOf(seed);
  expect(again.slice(0, 2)).toEqual(first.slice(0, 2));
  expect(again[2]).not.toBe(first[2]);
  expect((await uuidsOf(undefined)).slice(0, 2)).not.toEqual(first.slice(0, 2));
});
