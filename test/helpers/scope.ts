import { readFileSync } from 'node:fs';
import { type CfgModel, parseConfig, parseSelectorArgument } from '../../src/config/index.js';
import { resolveScope, type Scope, type VmCandidate } from '../../src/selection/index.js';

export const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

export const vms = (...names: string[]): VmCandidate[] => names.map((name, i) => ({ name, uuid: `uuid-${i + 1}` }));

/** A scope in the form the original prints it: "name" or "name:N", in backup order. */
export function summarize(scope: Scope) {
  const text = (e: { vm: { name: string }; maxBackups?: number }) => (e.maxBackups === undefined ? e.vm.name : `${e.vm.name}:${e.maxBackups}`);
  return {
    vdiExport: scope.vdiExport.map(text),
    vmExport: scope.vmExport.map(text),
    exclude: scope.exclude.map((e) => e.vm.name),
  };
}

export function resolveText(cfg: string | Uint8Array, pool: VmCandidate[], file = 'test.cfg') {
  const parsed = parseConfig(cfg, { file });
  const scope = resolveScope(parsed.model, pool, { file });
  return { parsed, scope, summary: summarize(scope) };
}

export function resolveModel(model: CfgModel, pool: VmCandidate[]) {
  return resolveScope(model, pool, { file: 'model' });
}

export function resolveSelector(selector: string, pool: VmCandidate[]) {
  const parsed = parseSelectorArgument(selector);
  const scope = resolveScope(parsed.model, pool, { file: '<command line>' });
  return { parsed, scope, summary: summarize(scope) };
}
