/**
 * One-to-many relations. XAPI computes the "many" side (VM.VBDs, SR.VDIs, VM.snapshots...) from
 * the reference on the other side; its database dump does not even store those sets. The store
 * keeps them in step on every create, change and delete, and the dump loader rebuilds them.
 */
export interface Relation {
  /** The class holding the reference, e.g. VBD. */
  child: string;
  /** Its ref field, e.g. "VM". */
  field: string;
  /** The referenced class, e.g. VM. */
  parent: string;
  /** The set field there, e.g. "VBDs". */
  set: string;
}

export const RELATIONS: readonly Relation[] = [
  { child: 'VBD', field: 'VM', parent: 'VM', set: 'VBDs' },
  { child: 'VBD', field: 'VDI', parent: 'VDI', set: 'VBDs' },
  { child: 'VIF', field: 'VM', parent: 'VM', set: 'VIFs' },
  { child: 'VIF', field: 'network', parent: 'network', set: 'VIFs' },
  { child: 'VDI', field: 'SR', parent: 'SR', set: 'VDIs' },
  { child: 'VDI', field: 'snapshot_of', parent: 'VDI', set: 'snapshots' },
  { child: 'VM', field: 'snapshot_of', parent: 'VM', set: 'snapshots' },
  { child: 'VM', field: 'parent', parent: 'VM', set: 'children' },
  { child: 'VM', field: 'resident_on', parent: 'host', set: 'resident_VMs' },
  { child: 'console', field: 'VM', parent: 'VM', set: 'consoles' },
  { child: 'PBD', field: 'SR', parent: 'SR', set: 'PBDs' },
  { child: 'PBD', field: 'host', parent: 'host', set: 'PBDs' },
  { child: 'PIF', field: 'host', parent: 'host', set: 'PIFs' },
  { child: 'PIF', field: 'network', parent: 'network', set: 'PIFs' },
  { child: 'task', field: 'subtask_of', parent: 'task', set: 'subtasks' },
];

/** True when `cls.field` is a computed set (left out of database dumps). */
export function isComputedSet(cls: string, field: string): boolean {
  return RELATIONS.some((r) => r.parent === cls && r.set === field);
}
