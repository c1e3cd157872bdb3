/**
 * The restore options as a pure form: the SR, the name, and for an XVA new or preserved MACs
 * and start or not, for a raw/vhd disk the VM to attach it to. ↑/↓ (or tab) move between
 * fields; space and ←/→ change a choice; typing edits the name; enter on the SR or the VM
 * opens its menu (the screen draws it), enter on "Continue" hands back the RestoreRequest.
 */
import type { RestorePlan, RestoreRequest, SrChoice } from '../../restore/types.js';
import type { KeyPress } from './key-split.js';
import { editLine, type LineEdit, lineAtEnd } from './line-edit.js';

export type FieldId = 'sr' | 'name' | 'macs' | 'start' | 'attach' | 'continue';

export interface AttachChoice {
  uuid: string;
  name: string;
  powerState: string;
}

export interface RestoreForm {
  kind: 'vm' | 'vdi';
  /** The backup the request names (a dated folder). */
  path: string;
  fields: FieldId[];
  focus: number;
  srs: SrChoice[];
  srIndex: number;
  /** The name the plan proposed: sent as no --name while the field still holds it. */
  defaultName: string;
  name: LineEdit;
  preserve: boolean;
  start: boolean;
  vms: AttachChoice[];
  /** -1: leave the VDI unattached. */
  attachIndex: number;
  /** A menu open over the form. */
  picking: 'sr' | 'attach' | null;
  message: string | null;
}

export type FormEffect = { type: 'submit'; request: RestoreRequest } | { type: 'back' };

/** What the form starts from: a first plan (made with the defaults), or a stand-in when that was refused. */
export type FormStart = Pick<RestorePlan, 'kind' | 'sr' | 'name' | 'preserve' | 'start' | 'attachTo'>;

/** The form for a first plan: its SR and name are the starting values. */
export function restoreForm(path: string, plan: FormStart, srs: readonly SrChoice[], vms: readonly AttachChoice[]): RestoreForm {
  // The plan's SR first if listTargetSrs did not offer it (it always should).
  const list = srs.some((s) => s.uuid === plan.sr.uuid) ? [...srs] : [plan.sr, ...srs];
  const fields: FieldId[] = plan.kind === 'vm' ? ['sr', 'name', 'macs', 'start', 'continue'] : ['sr', 'name', 'attach', 'continue'];
  return {
    kind: plan.kind,
    path,
    fields,
    focus: fields.length - 1,
    srs: list,
    srIndex: Math.max(0, list.findIndex((s) => s.uuid === plan.sr.uuid)),
    defaultName: plan.name,
    name: lineAtEnd(plan.name),
    preserve: plan.preserve,
    start: plan.start,
    vms: [...vms],
    attachIndex: plan.attachTo ? vms.findIndex((v) => v.uuid === plan.attachTo!.uuid) : -1,
    picking: null,
    message: null,
  };
}

export function focused(form: RestoreForm): FieldId {
  return form.fields[form.focus]!;
}

/** What the engine is asked: only what the user changed from the plan's defaults, plus the SR. */
export function requestOf(form: RestoreForm): RestoreRequest {
  const name = form.name.text.trim();
  const request: RestoreRequest = { path: form.path, sr: form.srs[form.srIndex]!.uuid, preserve: false, start: false, yes: false };
  if (name !== '' && name !== form.defaultName) request.name = name;
  if (form.kind === 'vm') {
    request.preserve = form.preserve;
    request.start = form.start;
  } else if (form.attachIndex >= 0) {
    request.attachTo = form.vms[form.attachIndex]!.uuid;
  }
  return request;
}

function move(form: RestoreForm, by: number): RestoreForm {
  const n = form.fields.length;
  return { ...form, focus: (form.focus + by + n) % n };
}

/** A choice field changed by space or an arrow (←/→ cycle the SR and the VM without a menu). */
function change(form: RestoreForm, field: FieldId, by: 1 | -1): RestoreForm {
  switch (field) {
    case 'macs':
      return { ...form, preserve: !form.preserve };
    case 'start':
      return { ...form, start: !form.start };
    case 'sr':
      return { ...form, srIndex: (form.srIndex + by + form.srs.length) % form.srs.length };
    case 'attach': {
      // -1 (none) then each VM.
      const n = form.vms.length + 1;
      return { ...form, attachIndex: ((form.attachIndex + 1 + by + n) % n) - 1 };
    }
    default:
      return form;
  }
}

export function pressForm(form: RestoreForm, press: KeyPress): { form: RestoreForm; effect?: FormEffect } {
  // An open menu takes the keys (the screen's Menu); esc closes it.
  if (form.picking) return press.key.escape ? { form: { ...form, picking: null } } : { form };
  const { input, key } = press;
  const field = focused(form);
  const calm = { ...form, message: null };
  if (key.escape) return { form, effect: { type: 'back' } };
  if (key.upArrow || (key.tab && key.shift)) return { form: move(calm, -1) };
  if (key.downArrow || key.tab) return { form: move(calm, 1) };
  if (key.return) {
    if (field === 'continue') {
      if (form.name.text.trim() === '') return { form: { ...calm, message: 'The name cannot be empty.', focus: form.fields.indexOf('name') } };
      return { form: calm, effect: { type: 'submit', request: requestOf(form) } };
    }
    if (field === 'sr' || (field === 'attach' && form.vms.length > 0)) return { form: { ...calm, picking: field } };
    return { form: move(calm, 1) };
  }
  if (field === 'name') {
    const edit = editLine(form.name, press);
    return edit === null ? { form } : { form: { ...calm, name: edit } };
  }
  if (input === ' ' || key.rightArrow) return { form: change(calm, field, 1) };
  if (key.leftArrow) return { form: change(calm, field, -1) };
  if (input === 'k' && !key.ctrl) return { form: move(calm, -1) };
  if (input === 'j' && !key.ctrl) return { form: move(calm, 1) };
  return { form };
}

/** A pick from the SR or VM menu. */
export function picked(form: RestoreForm, index: number): RestoreForm {
  if (form.picking === 'sr') return { ...form, srIndex: index, picking: null };
  if (form.picking === 'attach') return { ...form, attachIndex: index, picking: null };
  return form;
}
