import { afterEach, describe, expect, it } from 'vitest';
import { AWKWARD_NAMES, generatePool } from '../../src/sim/pool/generate.js';
import { stopAll, testSimulator } from '../helpers/sim.js';

afterEach(stopAll);

describe('generated pools', () => {
  it('always hold control domains, templates, a snapshot and plain-named VMs with disks', async () => {
    for (const n of [1, 3, 15]) {
      const sim = await testSimulator({ pool: generatePool({ vms: n }), http: true });
      const vms = sim.state.store.rows('VM').map((r) => r.record);
      expect(vms.filter((v) => v.is_control_domain).length).toBeGreaterThanOrEqual(1);
      expect(vms.filter((v) => v.is_a_template && !v.is_a_snapshot).length).toBeGreaterThanOrEqual(3);
      expect(vms.filter((v) => v.is_a_snapshot).length).toBeGreaterThanOrEqual(1);
      const regular = vms.filter((v) => !v.is_a_template && !v.is_control_domain);
      expect(regular).toHaveLength(n);
      const plain = regular.filter((v) => /^[a-z]+-\d\d$/.test(String(v.name_label)) && (v.VBDs as string[]).length > 1);
      expect(plain.length).toBeGreaterThanOrEqual(Math.min(n, 3));
    }
  });

  it('has the awkward names, a duplicate, and every power state, deterministically', () => {
    const pool = generatePool({ vms: 60, seed: 7 });
    const names = pool.vms!.map((v) => v.name);
    for (const name of AWKWARD_NAMES) expect(names).toContain(name);
    expect(names.filter((n) => n === 'duplicate-name')).toHaveLength(2);
    expect(new Set(pool.vms!.filter((v) => !v.template).map((v) => v.power))).toEqual(new Set(['Running', 'Halted', 'Suspended']));
    expect(generatePool({ vms: 60, seed: 7 })).toEqual(pool);
  });

  it('scales to 10,000 VMs', async () => {
    const sim = await testSimulator({ pool: generatePool({ vms: 10_000 }), http: true });
    expect(sim.state.store.rows('VM').filter((v) => !v.record.is_a_template && !v.record.is_control_domain)).toHaveLength(10_000);
    const sr = sim.state.store.rows('SR').find((s) => s.record.name_label === 'Local storage')!;
    expect((sr.record.VDIs as string[]).length).toBeGreaterThan(10_000);
  }, 60_000);
});
