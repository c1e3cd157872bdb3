/**
 * Runs one RPC call the way XAPI does: session check (SESSION_INVALID), parameter count
 * (MESSAGE_PARAMETER_COUNT_MISMATCH counts the session too), argument coercion (XML-RPC clients
 * send ints as strings), and Async.<method>, which answers a task ref at once and completes the
 * task later with the result as XML-RPC <value> text.
 */
import { asFailure, XapiFailure } from '../errors.js';
import type { FieldType } from '../schema/types.js';
import type { SimState } from '../state.js';
import type { CallContext, MethodDef, Registry } from './registry.js';
import { valueXml, type WireType } from './wire.js';

export interface CallResult {
  value: unknown;
  type: WireType;
}

const REF: WireType = { kind: 'ref', class: 'task' };

function coerce(value: unknown, type: FieldType | { kind: 'any' }, method: string, param: string): unknown {
  const bad = () => new XapiFailure('FIELD_TYPE_ERROR', [param]);
  switch (type.kind) {
    case 'any':
      return value;
    case 'int':
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n)) throw bad();
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad();
    case 'string':
    case 'ref':
    case 'enum':
    case 'datetime':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'set':
      if (!Array.isArray(value)) throw bad();
      return value.map((v, i) => coerce(v, type.of, method, `${param}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerce(v, type.value, method, `${param}.${k}`)]));
  }
}

function checkCount(def: MethodDef, received: number, name: string): void {
  const session = def.session === false ? 0 : 1;
  const max = def.params.length + session;
  const min = max - (def.optional ?? 0);
  if (received < min || received > max) throw new XapiFailure('MESSAGE_PARAMETER_COUNT_MISMATCH', [name, String(max), String(received)]);
}

export class Dispatcher {
  constructor(
    private readonly sim: SimState,
    private readonly registry: Registry,
  ) {}

  async call(method: string, params: unknown[], localAddress: string): Promise<CallResult> {
    const isAsync = method.startsWith('Async.');
    const name = isAsync ? method.slice('Async.'.length) : method;
    const def = this.registry.get(name);
    if (!def || (isAsync && !def.mutating)) throw new XapiFailure('MESSAGE_METHOD_UNKNOWN', [method]);
    checkCount(def, params.length, method);
    this.sim.faults.beforeCall(method, params);

    const ctx: CallContext = { sim: this.sim, session: null, localAddress };
    let args = params;
    if (def.session !== false) {
      ctx.session = this.sim.sessions.expect(params[0]);
      args = params.slice(1);
    }
    args = args.map((arg, i) => coerce(arg, def.params[i]!.type, method, def.params[i]!.name));

    if (!isAsync) return { value: await def.run(ctx, args), type: def.returns };
    const taskRef = this.sim.tasks.create(`Async.${name}`, '');
    this.runAsTask(def, { ...ctx, taskRef }, args, taskRef);
    return { value: taskRef, type: REF };
  }

  private runAsTask(def: MethodDef, ctx: CallContext, args: unknown[], taskRef: string): void {
    const signal = this.sim.tasks.begin(taskRef);
    // Let the client see the pending task first, as with a real toolstack.
    setImmediate(async () => {
      try {
        if (signal.aborted) throw signal.reason;
        const value = await def.run(ctx, args);
        if (signal.aborted) throw signal.reason;
        const xml = def.returns.kind === 'void' ? '' : valueXml(value, def.returns);
        this.sim.tasks.succeed(taskRef, xml);
      } catch (err) {
        this.sim.tasks.fail(taskRef, asFailure(err));
      }
    });
  }
}
