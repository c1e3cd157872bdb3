/**
 * The RPC methods the simulator answers. Each method declares its parameters (after the session
 * argument), which trailing ones are optional, its return type (for XML-RPC encoding and task
 * results), and whether it changes anything (mutating calls also exist as Async.<method>).
 */
import type { FieldType } from '../schema/types.js';
import type { SessionInfo } from '../api/sessions.js';
import type { SimState } from '../state.js';
import type { WireType } from './wire.js';

export interface CallContext {
  sim: SimState;
  /** Null for the methods that take no session (login, system.listMethods). */
  session: SessionInfo | null;
  /** The address the request arrived at: which pool member was asked. */
  localAddress: string;
  /** Set while running as an Async.* task. */
  taskRef?: string;
}

export interface ParamSpec {
  name: string;
  /** `any` for struct arguments such as VDI.create's record: the method checks them itself. */
  type: FieldType | { kind: 'any' };
}

export interface MethodDef {
  name: string;
  params: readonly ParamSpec[];
  /** How many trailing params may be left out (e.g. VM.snapshot's ignore_vdis). */
  optional?: number;
  /** False for session.login_with_password and system.listMethods. */
  session?: boolean;
  returns: WireType;
  /** Changes state: also callable as Async.<name>. */
  mutating?: boolean;
  run(ctx: CallContext, args: unknown[]): unknown | Promise<unknown>;
}

export class Registry {
  private readonly methods = new Map<string, MethodDef>();

  add(def: MethodDef): void {
    this.methods.set(def.name, def);
  }

  get(name: string): MethodDef | undefined {
    return this.methods.get(name);
  }

  /** What system.listMethods answers: every method, plus Async.* for the mutating ones. */
  names(): string[] {
    const names = [...this.methods.keys()];
    for (const def of this.methods.values()) if (def.mutating) names.push(`Async.${def.name}`);
    return names.sort();
  }
}
