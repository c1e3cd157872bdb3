/**
 * What a run will do, from the cfg and the pool's VMs: the scope (selection/), each VM's mode,
 * retention and estimated size, in the old script's order (every vdi-export, then every
 * vm-export). Pure: the preview prints it, the run executes it.
 */
import { type CfgModel, type ConfigIssue, type EffectiveSettings, IssueList } from '../config/index.js';
import { resolveScope, type Scope, type ScopeEntry } from '../selection/index.js';
import type { VmInfo } from '../xapi/records.js';
import type { BackupMode, PlannedVm } from './events.js';
import { estimateVdiBytes, estimateXvaBytes } from './free-space.js';
import { leftOutMessage, VDI_DISKS_HINT, vdiExportDisks } from './vdi-disks.js';

export interface BackupPlan {
  vms: PlannedVm[];
  scope: Scope;
  /** Scope warnings and errors (unknown names, duplicate names...) and the plan's warnings about VMs (disks a vdi-export leaves out), with the cfg's lines. */
  issues: ConfigIssue[];
}

export function estimateFor(vm: VmInfo, mode: BackupMode, settings: EffectiveSettings): number {
  if (mode === 'delta') {
    // Worst case: every disk a full (the first backup, a lost base, full_every).
    return vm.vbds.filter((b) => b.type === 'Disk' && b.vdi).reduce((sum, b) => sum + estimateVdiBytes(b.vdi!.virtualSize, 'vhd'), 0);
  }
  if (mode === 'vm-export') {
    return estimateXvaBytes(vm.vbds.filter((b) => b.type === 'Disk' && b.vdi).map((b) => b.vdi!.virtualSize));
  }
  return vdiExportDisks(vm, settings.vdiDisks).take.reduce((sum, d) => sum + estimateVdiBytes(d.vdi.virtualSize, settings.vdiExportFormat), 0);
}

const isDelta = (entry: ScopeEntry): boolean => entry.delta === true;

export function planBackup(model: CfgModel, settings: EffectiveSettings, pool: VmInfo[], file: string): BackupPlan {
  const candidates = pool.map((vm) => ({
    name: vm.name,
    uuid: vm.uuid,
    isTemplate: vm.isTemplate,
    isSnapshot: vm.isSnapshot,
    isControlDomain: vm.isControlDomain,
  }));
  const scope = resolveScope(model, candidates, { file });
  const byUuid = new Map(pool.map((vm) => [vm.uuid, vm]));
  const notes = new IssueList(file);
  // VmBackup.py's vdi-export left the other disks out without a word. Said unless the cfg
  // chose the boot disk alone itself (`#vmbackup: vdi_disks=boot`).
  const warnLeftOut = settings.vdiDisks === 'boot' && model.directives.vdiDisks === undefined;
  const planned = (mode: BackupMode) => (entry: ScopeEntry): PlannedVm => {
    const vm = byUuid.get(entry.vm.uuid!)!;
    const plan: PlannedVm = { name: vm.name, uuid: vm.uuid, mode, maxBackups: entry.maxBackups ?? settings.maxBackups, estimate: estimateFor(vm, mode, settings) };
    const leftOut = mode === 'vdi-export' && warnLeftOut ? leftOutMessage(vm.name, vm) : null;
    if (leftOut) {
      notes.warning(entry.line, leftOut, VDI_DISKS_HINT);
      plan.warnings = [`${leftOut} (${VDI_DISKS_HINT})`];
    }
    return plan;
  };
  return {
    // A vm-export VM that a `#vmbackup: delta=` selector picks is backed up as a delta chain.
    vms: [...scope.vdiExport.map(planned('vdi-export')), ...scope.vmExport.map((e) => planned(isDelta(e) ? 'delta' : 'vm-export')(e))],
    scope,
    issues: [...scope.errors, ...scope.warnings, ...notes.items],
  };
}
