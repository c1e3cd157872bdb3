/**
 * Disks of running VMs that change over time (`vmbackup sim --churn`, the bench, the tests):
 * each call rewrites a share of the 2 MiB blocks of every running VM's disks, allocated or not,
 * as a `ChurnLayer` over what the disk held. Which blocks and their bytes follow from the seed,
 * the disk's uuid and the generation (one per call), so two simulators given the same seed and
 * the same calls serve the same bytes. A snapshot taken before keeps the layer it shared.
 */
import { NULL_REF } from '../schema/types.js';
import type { SimState } from '../state.js';
import { BLOCK_SIZE, seedOf } from './content.js';
import { ChurnLayer, mixSeed } from './layers.js';

export interface ChurnResult {
  generation: number;
  /** The VDIs rewritten. */
  disks: number;
  /** 2 MiB blocks rewritten, over all those disks. */
  blocks: number;
}

/** `count` distinct numbers below `n`, from a seeded generator (Floyd's sampling: no array of n). */
export function sampleBlocks(n: number, count: number, seed: number): number[] {
  let state = seed || 0x9e3779b9;
  const next = (below: number) => {
    state = mixSeed(state, 0x5bd1e995);
    return state % below;
  };
  const chosen = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = next(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** The VDIs behind the disk VBDs of running VMs (not templates, snapshots or control domains). */
export function runningDisks(sim: SimState): string[] {
  const { store } = sim;
  const vdis = new Set<string>();
  for (const vm of store.rows('VM')) {
    const r = vm.record;
    if (r.power_state !== 'Running' || r.is_control_domain || r.is_a_snapshot || r.is_a_template) continue;
    for (const vbdRef of r.VBDs as string[]) {
      const vbd = store.get(vbdRef)?.record;
      if (vbd?.type === 'Disk' && typeof vbd.VDI === 'string' && vbd.VDI !== NULL_REF && store.get(vbd.VDI)) vdis.add(vbd.VDI);
    }
  }
  return [...vdis];
}

export class Churn {
  private generation = 0;

  constructor(
    private readonly sim: SimState,
    private readonly seed = 0,
  ) {}

  /** Rewrites `percent` % of the blocks (at least one when above 0) of every running VM's disk. */
  now(percent: number): ChurnResult {
    if (!(percent >= 0 && percent <= 100)) throw new RangeError(`churn percent must be 0..100: ${percent}`);
    const generation = ++this.generation;
    const holders = this.sim.disks.holders();
    let disks = 0;
    let blocks = 0;
    for (const vdi of runningDisks(this.sim)) {
      const current = this.sim.disks.contentOf(vdi);
      const count = Math.ceil(current.size / BLOCK_SIZE);
      const want = percent === 0 || count === 0 ? 0 : Math.min(count, Math.max(1, Math.round((count * percent) / 100)));
      if (want === 0) continue;
      const diskSeed = mixSeed(seedOf(String(this.sim.store.get(vdi)!.record.uuid)), this.seed);
      const chosen = new Map(sampleBlocks(count, want, mixSeed(diskSeed, generation)).map((b) => [b, generation] as const));
      // A layer nobody else holds (no snapshot since the last churn) is replaced by a merged one,
      // so a disk churned all day stays one layer above its last snapshot, not thousands.
      const squash = current instanceof ChurnLayer && current.seed === diskSeed && (holders.get(current) ?? 0) <= 1;
      const next = squash ? new ChurnLayer(current.parent, diskSeed, current.mergedWith(chosen)) : new ChurnLayer(current, diskSeed, chosen);
      this.sim.disks.set(vdi, next);
      disks++;
      blocks += chosen.size;
    }
    return { generation, disks, blocks };
  }
}
